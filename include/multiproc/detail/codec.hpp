// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_DETAIL_CODEC_HPP
#define MULTIPROC_DETAIL_CODEC_HPP

// How values cross between processes: numbers, strings and vectors of numbers as their bytes
// (the raw codec, on wire.hpp), everything else through a Boost.Serialization binary archive
// whose reader checks every length against the bytes left. The template bodies are in
// impl/codec.hpp.

#include <multiproc/detail/config.hpp>

#include <multiproc/error.hpp>

#include <multiproc/detail/wire.hpp>

#include <boost/archive/archive_exception.hpp>
#include <boost/archive/binary_iarchive_impl.hpp>
#include <boost/archive/binary_oarchive.hpp>
#include <boost/archive/detail/archive_serializer_map.hpp>
#include <boost/archive/detail/register_archive.hpp>
#include <boost/serialization/collection_size_type.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <streambuf>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <typeinfo>
#include <vector>

namespace multiproc::detail {

/// A type's tag on the wire (a hash of its name, never 0), so that a reader of another type
/// gets an error, not garbage.
MULTIPROC_DECL std::uint64_t type_tag(const char* type_name) noexcept;
template <class T>
std::uint64_t type_tag() noexcept
{
    static const std::uint64_t tag = type_tag(typeid(T).name());
    return tag;
}

template <class T>
using stored_t = std::remove_cv_t<std::remove_reference_t<T>>;

inline constexpr auto archive_flags = boost::archive::no_header | boost::archive::no_codecvt;

/// The message-size limit in force (bytes of an encoded value, see `max_message_size`): that
/// constant, or less if the internal environment variable `MULTIPROC_MESSAGE_LIMIT` says so
/// (read once; the tests lower the limit with it to test every path at its edge in little
/// memory). Spawned children inherit it with the environment.
MULTIPROC_DECL std::size_t message_limit() noexcept;
/// Sets the limit for this process and, through the environment, for the children it spawns
/// from now on (at most `max_message_size`; 0 restores it). For tests.
MULTIPROC_DECL void set_message_limit(std::size_t bytes);
/// The one check of a message's size: false and `error::message_too_large` in `ec` when
/// `bytes` are more than `message_limit()`.
MULTIPROC_DECL bool fits_message_limit(std::size_t bytes, error_code& ec) noexcept;
/// Throws `system_error` with `error::message_too_large`.
[[noreturn]] MULTIPROC_DECL void throw_message_too_large();

/// The stream buffer archives write to: appends to a string, and refuses to grow past the
/// message limit (so an oversized value fails as soon as it is seen, not after it has been
/// copied).
class string_sink final : public std::streambuf
{
public:
    explicit string_sink(std::string& out) : out_(out) {}
    bool overflowed() const noexcept { return overflowed_; }

protected:
    std::streamsize xsputn(const char* s, std::streamsize n) override
    {
        error_code ec;
        if (!fits_message_limit(out_.size() + static_cast<std::size_t>(n), ec)) {
            overflowed_ = true;
            return 0;
        }
        out_.append(s, static_cast<std::size_t>(n));
        return n;
    }
    int_type overflow(int_type c) override
    {
        if (traits_type::eq_int_type(c, traits_type::eof()))
            return traits_type::not_eof(c);
        const char ch = traits_type::to_char_type(c);
        return xsputn(&ch, 1) == 1 ? c : traits_type::eof();
    }

private:
    std::string& out_;
    bool overflowed_ = false;
};

/// The stream buffer archives read from: a view of the bytes, not a copy.
class view_source final : public std::streambuf
{
public:
    explicit view_source(std::string_view bytes)
    {
        char* begin = const_cast<char*>(bytes.data()); // read only: the get area is never written
        setg(begin, begin, begin + bytes.size());
    }
    /// The bytes not read yet.
    std::size_t remaining() const noexcept { return static_cast<std::size_t>(egptr() - gptr()); }
};

/// Throws `system_error` with `error::bad_message`: a value's bytes end before the value (or a
/// length in them says so); they came from another process.
[[noreturn]] inline void throw_value_truncated()
{
    throw_error(make_error_code(error::bad_message), "multiproc: value truncated");
}

/// The archive values from another process are read with: Boost's binary archive, but every
/// length it reads (a string's, a collection's) is checked against the bytes left before
/// anything is allocated for it; Boost's own resizes a string to any length the bytes claim.
/// A collection of elements that encode to no bytes at all (an empty class), more of them than
/// the bytes after its length, is the one well-formed value this refuses.
class bounded_iarchive;
} // namespace multiproc::detail

// Compiled once, in source/task.cpp (Boost's .ipp files), and exported from a shared library:
// declared before the archive's definition instantiates the classes, or the export would be
// ignored.
extern template class MULTIPROC_DECL
    boost::archive::detail::archive_serializer_map<multiproc::detail::bounded_iarchive>;
extern template class MULTIPROC_DECL
    boost::archive::basic_binary_iarchive<multiproc::detail::bounded_iarchive>;
extern template class MULTIPROC_DECL boost::archive::basic_binary_iprimitive<
    multiproc::detail::bounded_iarchive, char, std::char_traits<char>>;

namespace multiproc::detail {

class bounded_iarchive final
    : public boost::archive::binary_iarchive_impl<bounded_iarchive, char, std::char_traits<char>>
{
    using impl =
        boost::archive::binary_iarchive_impl<bounded_iarchive, char, std::char_traits<char>>;
    using primitive =
        boost::archive::basic_binary_iprimitive<bounded_iarchive, char, std::char_traits<char>>;

public:
    bounded_iarchive(view_source& source, unsigned int flags) : impl(source, flags), source_(source)
    {
        init(flags);
    }

    // Boost's code reaches these through the derived archive: they stand in for its own.
    using primitive::load;
    void load(std::string& s) { load_string(s); }
    void load(std::wstring& s) { load_string(s); }

private:
    friend class boost::archive::detail::interface_iarchive<bounded_iarchive>;
    friend class boost::archive::basic_binary_iarchive<bounded_iarchive>;
    friend class boost::archive::load_access;

    template <class T>
    void load_override(T& t)
    {
        impl::load_override(t);
    }
    void load_override(boost::serialization::collection_size_type& count)
    {
        impl::load_override(count);
        if (static_cast<std::size_t>(count) > source_.remaining())
            throw_value_truncated(); // every element takes a byte at least (see above)
    }
    template <class String>
    void load_string(String& s)
    {
        std::size_t length = 0;
        load(length);
        if (length > source_.remaining() / sizeof(typename String::value_type))
            throw_value_truncated();
        s.resize(length);
        if (length != 0)
            load_binary(s.data(), length * sizeof(typename String::value_type));
    }

    view_source& source_;
};

/// Numbers, strings and vectors of numbers cross as their bytes (a length first for the
/// last two), without an archive: building one costs more than most messages. Both ends of
/// every exchange know the static type (the task's signature, the queue's or pipe's T), so
/// both take the same path.
template <class T>
struct is_raw : std::is_arithmetic<T>
{
};
template <>
struct is_raw<std::string> : std::true_type
{
};
template <class T>
struct is_raw<std::vector<T>>
    : std::bool_constant<std::is_arithmetic_v<T> && !std::is_same_v<T, bool>>
{
};
template <class T>
inline constexpr bool is_raw_v = is_raw<T>::value;
template <class Tuple>
inline constexpr bool tuple_is_raw_v = false;
template <class... T>
inline constexpr bool tuple_is_raw_v<std::tuple<T...>> = (is_raw_v<T> && ...);

/// The raw counterpart of a binary archive: `<<` appends a number's bytes (as the host stores
/// them: every platform of ours is little-endian) or a length (wire.hpp's u64) and the
/// elements, to `out`, which grows in steps; `finish()` trims it to what was written.
class raw_writer
{
public:
    explicit raw_writer(std::string& out) noexcept
        : out_(out), used_(out.size()), limit_(message_limit())
    {}
    /// Room for `bytes` more without growing again (none past the limit: that fails at the
    /// write, before allocating).
    void reserve(std::size_t bytes)
    {
        if (used_ <= limit_ && bytes <= limit_ - used_)
            out_.reserve(used_ + bytes);
    }
    template <class T>
    raw_writer& operator<<(const T& value)
    {
        static_assert(is_raw_v<T>);
        if constexpr (std::is_arithmetic_v<T>) {
            put(&value, sizeof value);
        } else {
            char length[sizeof(std::uint64_t)];
            store_le<sizeof length>(length, value.size());
            put(length, sizeof length);
            put(value.data(), value.size() * sizeof(typename T::value_type));
        }
        return *this;
    }
    void finish() { out_.resize(used_); }

    /// The bytes `<<` writes for `value`.
    template <class T>
    static std::size_t size_of(const T& value) noexcept
    {
        if constexpr (std::is_arithmetic_v<T>)
            return sizeof value;
        else
            return sizeof(std::uint64_t) + value.size() * sizeof(typename T::value_type);
    }

private:
    void put(const void* data, std::size_t size)
    {
        if (size == 0)
            return; // an empty vector's data() may be null
        error_code ec;
        if (!fits_message_limit(used_ + size, ec)) // before copying, not after
            throw_message_too_large();
        if (size >= 4096) { // appended: no zero fill to copy over
            out_.resize(used_);
            out_.append(static_cast<const char*>(data), size);
            used_ = out_.size();
            return;
        }
        if (out_.size() - used_ < size) // small values: a plain copy into room made in steps
            out_.resize(std::max({2 * out_.size(), used_ + size, out_.capacity()}));
        std::memcpy(out_.data() + used_, data, size);
        used_ += size;
    }

    std::string& out_;
    std::size_t used_;
    std::size_t limit_;
};

/// `>>` takes a number's bytes; too few left is `error::bad_message` (the bytes came from
/// another process).
class raw_reader
{
public:
    explicit raw_reader(std::string_view in) noexcept : in_(in) {}
    template <class T>
    raw_reader& operator>>(T& value)
    {
        static_assert(is_raw_v<T>);
        if constexpr (std::is_same_v<T, bool>) {
            value = take(1)[0] != 0; // any byte: no invalid bool from a hostile peer
        } else if constexpr (std::is_arithmetic_v<T>) {
            std::memcpy(&value, take(sizeof value).data(), sizeof value);
        } else {
            const std::uint64_t n = in_.u64();
            constexpr std::size_t element = sizeof(typename T::value_type);
            if (in_.failed() || n > in_.remaining() / element)
                throw_value_truncated(); // checked before the length allocates anything
            const std::string_view bytes = take(static_cast<std::size_t>(n) * element);
            if constexpr (std::is_same_v<T, std::string>) {
                value.assign(bytes.data(), bytes.size()); // no zero fill to copy over
            } else {
                value.resize(static_cast<std::size_t>(n));
                if (n != 0) // an empty vector's data() may be null
                    std::memcpy(value.data(), bytes.data(), bytes.size());
            }
        }
        return *this;
    }

private:
    std::string_view take(std::size_t size)
    {
        const std::string_view bytes = in_.bytes(size);
        if (in_.failed())
            throw_value_truncated();
        return bytes;
    }
    wire_reader in_;
};

/// Runs `write(out)` on a raw writer (`Raw`) or a binary archive and returns the bytes.
/// Throws `system_error` with `error::message_too_large` past `message_limit()`.
template <bool Raw, class Write>
std::string encode_with(Write write);
/// Runs `read(in)` on a raw reader (`Raw`) or a binary archive over `bytes`.
template <bool Raw, class Read>
void decode_with(std::string_view bytes, Read read);
/// Encodes values in order.
template <class... T>
std::string encode(const T&... values);
/// Decodes into each element of a tuple, in order (the inverse of encode).
template <class Tuple>
void decode_into(std::string_view bytes, Tuple& values);

/// Tag for the constructor of a handle that makes nothing yet: the state a handle is in before
/// Boost.Serialization loads it (a queue's default constructor makes a new queue).
struct empty_handle_t
{
    explicit empty_handle_t() = default;
};
inline constexpr empty_handle_t empty_handle{};

/// A value to decode into: empty if T is a handle, default-constructed otherwise.
template <class T>
T make_empty()
{
    if constexpr (std::is_constructible_v<T, empty_handle_t>)
        return T(empty_handle);
    else
        return T();
}
template <class Tuple>
struct empty_tuple;
template <class... T>
struct empty_tuple<std::tuple<T...>>
{
    static std::tuple<T...> make() { return std::tuple<T...>(make_empty<T>()...); }
};

/// Encodes argument sets (tuples) into one archive. They are all alive at once, so that
/// Boost.Serialization's object tracking never takes one for another.
template <class Tuple>
std::string encode_argument_sets(const std::vector<Tuple>& sets);
/// Decodes `count` values of type R, appending them to `out`.
template <class R>
void decode_results(std::string_view bytes, std::size_t count, std::vector<R>& out);

} // namespace multiproc::detail

/// @cond MULTIPROC_INTERNAL
// For BOOST_CLASS_EXPORT of the types a task takes, and Boost's bulk load of arrays of numbers.
BOOST_SERIALIZATION_REGISTER_ARCHIVE(multiproc::detail::bounded_iarchive)
BOOST_SERIALIZATION_USE_ARRAY_OPTIMIZATION(multiproc::detail::bounded_iarchive)
/// @endcond

#include <multiproc/impl/codec.hpp>

#endif
