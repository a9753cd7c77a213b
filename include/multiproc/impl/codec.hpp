// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_IMPL_CODEC_HPP
#define MULTIPROC_IMPL_CODEC_HPP

// The template bodies of detail/codec.hpp.

namespace multiproc::detail {

template <bool Raw, class Write>
std::string encode_with(Write write)
{
    std::string out;
    if constexpr (Raw) {
        raw_writer writer(out);
        write(writer);
        writer.finish();
    } else {
        string_sink sink(out);
        try {
            boost::archive::binary_oarchive archive(sink, archive_flags);
            write(archive);
        } catch (const boost::archive::archive_exception&) {
            if (!sink.overflowed())
                throw;
            throw_message_too_large();
        }
    }
    return out;
}

template <bool Raw, class Read>
void decode_with(std::string_view bytes, Read read)
{
    if constexpr (Raw) {
        raw_reader reader(bytes);
        read(reader);
    } else {
        view_source source(bytes);
        try {
            bounded_iarchive archive(source, archive_flags);
            read(archive);
        } catch (const boost::archive::archive_exception& e) {
            if (e.code != boost::archive::archive_exception::input_stream_error)
                throw;
            throw_value_truncated(); // the bytes ended inside a value, as the raw path says it
        }
    }
}

template <class... T>
std::string encode(const T&... values)
{
    return encode_with<(is_raw_v<T> && ...)>([&](auto& out) {
        if constexpr ((is_raw_v<T> && ...))
            out.reserve((0 + ... + raw_writer::size_of(values))); // one allocation
        ((out << values), ...);
    });
}

template <class Tuple>
void decode_into(std::string_view bytes, Tuple& values)
{
    decode_with<tuple_is_raw_v<Tuple>>(
        bytes, [&](auto& in) { std::apply([&](auto&... v) { ((in >> v), ...); }, values); });
}

template <class Tuple>
std::string encode_argument_sets(const std::vector<Tuple>& sets)
{
    return encode_with<tuple_is_raw_v<Tuple>>([&](auto& out) {
        if constexpr (tuple_is_raw_v<Tuple>)
            out.reserve(sets.size() *
                        std::apply([](const auto&... v) { return (0 + ... + sizeof v); }, Tuple()));
        for (const Tuple& set : sets)
            std::apply([&](const auto&... v) { ((out << v), ...); }, set);
    });
}

template <class R>
void decode_results(std::string_view bytes, std::size_t count, std::vector<R>& out)
{
    out.reserve(out.size() + count);
    decode_with<is_raw_v<R>>(bytes, [&](auto& in) {
        for (std::size_t i = 0; i < count; ++i) {
            R value = make_empty<R>();
            in >> value;
            out.push_back(std::move(value));
        }
    });
}

} // namespace multiproc::detail

#endif
