// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_TASK_HPP
#define MULTIPROC_TASK_HPP

/// @file
/// The task registry: `MULTIPROC_TASK(fn)` names a free function so that a spawned child (a
/// fresh copy of the program) can find it again, and the argument/result encoding through
/// Boost.Serialization. Include <boost/serialization/...> for the std types your tasks take;
/// std::string and std::vector are included here.

#include <multiproc/error.hpp>

#include <multiproc/detail/wire.hpp>

#include <boost/archive/archive_exception.hpp>
#include <boost/archive/binary_iarchive_impl.hpp>
#include <boost/archive/binary_oarchive.hpp>
#include <boost/archive/detail/register_archive.hpp>
#include <boost/serialization/collection_size_type.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>

#include <cstddef>
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <deque>
#include <memory>
#include <streambuf>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

namespace multiproc {

/// The most bytes one message carries between processes: a value's encoded bytes (a queue's or
/// a connection's value, a task's arguments, a task's results), not counting the headers the
/// channel puts around them. A `std::string` or a vector of numbers encodes as its bytes and an
/// 8-byte length. Larger ones fail on the sending side with `error::message_too_large`.
inline constexpr std::size_t max_message_size = std::size_t(1) << 30;

namespace detail {

/// OS handles that arguments encoded for a spawned child need there (a pipe's connection), with
/// what keeps each open until the child has been started.
struct inherited_handles
{
    std::vector<std::intptr_t> handles;
    std::vector<std::shared_ptr<const void>> keep_alive;
};

/// While one lives on this thread, `inherit_handle` records into it: the process constructor
/// opens one around the encoding of its arguments.
class inheritance_scope
{
public:
    inheritance_scope() noexcept;
    ~inheritance_scope();
    inheritance_scope(const inheritance_scope&) = delete;
    inheritance_scope& operator=(const inheritance_scope&) = delete;
    inherited_handles take() noexcept { return std::move(collected_); }

private:
    friend bool inherit_handle(std::intptr_t, std::shared_ptr<const void>);
    inherited_handles collected_;
    inheritance_scope* previous_;
};

/// Records a handle the child being encoded for needs; false outside an inheritance scope.
bool inherit_handle(std::intptr_t handle, std::shared_ptr<const void> keep_alive);

using generic_function = void (*)();

/// What the registry knows of one task. `invoke` decodes `count` argument sets, calls the
/// function with each and returns the results, encoded in one archive (empty for void).
struct task_entry
{
    const char* name;
    const char* signature; // typeid name of R(A...) with references and cv dropped
    std::string (*invoke)(std::string_view encoded_arguments, std::uint32_t count);
};

/// A type's tag on the wire (a hash of its name, never 0), so that a reader of another type
/// gets an error, not garbage.
std::uint64_t type_tag(const char* type_name) noexcept;
template <class T>
std::uint64_t type_tag() noexcept
{
    static const std::uint64_t tag = type_tag(typeid(T).name());
    return tag;
}

/// Adds a task; aborts with a message when the name is already taken by another function.
void register_task(generic_function function, const task_entry& entry);
/// Throws `system_error` with `error::unregistered_task`, saying how to register; `what` names
/// the caller.
[[noreturn]] void throw_unregistered(const char* what);
/// The entry of a registered function or name, or nullptr.
const task_entry* find_task(generic_function function) noexcept;
const task_entry* find_task(std::string_view name) noexcept;

template <class T>
using stored_t = std::remove_cv_t<std::remove_reference_t<T>>;

inline constexpr auto archive_flags = boost::archive::no_header | boost::archive::no_codecvt;

/// The message-size limit in force (bytes of an encoded value, see `max_message_size`): that
/// constant, or less if the internal environment variable `MULTIPROC_MESSAGE_LIMIT` says so
/// (read once; the tests lower the limit with it to test every path at its edge in little
/// memory). Spawned children inherit it with the environment.
std::size_t message_limit() noexcept;
/// Sets the limit for this process and, through the environment, for the children it spawns
/// from now on (at most `max_message_size`; 0 restores it). For tests.
void set_message_limit(std::size_t bytes);
/// The one check of a message's size: false and `error::message_too_large` in `ec` when
/// `bytes` are more than `message_limit()`.
bool fits_message_limit(std::size_t bytes, error_code& ec) noexcept;
/// Throws `system_error` with `error::message_too_large`.
[[noreturn]] void throw_message_too_large();

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

/// Runs `read(in)` on a raw reader (`Raw`) or a binary archive over `bytes`.
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

/// Encodes values in order.
template <class... T>
std::string encode(const T&... values)
{
    return encode_with<(is_raw_v<T> && ...)>([&](auto& out) {
        if constexpr ((is_raw_v<T> && ...))
            out.reserve((0 + ... + raw_writer::size_of(values))); // one allocation
        ((out << values), ...);
    });
}

/// Decodes into each element of a tuple, in order (the inverse of encode).
template <class Tuple>
void decode_into(std::string_view bytes, Tuple& values)
{
    decode_with<tuple_is_raw_v<Tuple>>(
        bytes, [&](auto& in) { std::apply([&](auto&... v) { ((in >> v), ...); }, values); });
}

/// The shape of a free function: result, stored argument types and a comparable signature.
template <class F>
struct function_traits;
template <class R, class... A>
struct function_traits<R (*)(A...)>
{
    using result = stored_t<R>;
    using arguments = std::tuple<stored_t<A>...>;
    using target = R (*)(A...);
    static const char* signature() noexcept { return typeid(result(stored_t<A>...)).name(); }
};
template <class R, class... A>
struct function_traits<R (*)(A...) noexcept> : function_traits<R (*)(A...)>
{
};

template <class F>
inline constexpr bool is_function_pointer_v =
    std::is_pointer_v<F>&& std::is_function_v<std::remove_pointer_t<F>>;

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

/// Decodes `count` values of type R, appending them to `out`.
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

/// Encodes a call's arguments as the function's own parameter types, so the child decodes
/// exactly what it expects. A call the function cannot take fails to compile here.
template <class F, class... Args>
std::string encode_arguments(F, Args&&... args)
{
    static_assert(std::is_invocable_v<F, Args...>,
                  "multiproc: these arguments cannot be passed to the task function");
    using arguments = typename function_traits<F>::arguments;
    static_assert(std::tuple_size_v<arguments> == sizeof...(Args),
                  "multiproc: wrong number of arguments for the task function");
    return std::apply([](const auto&... converted) { return encode(converted...); },
                      arguments(std::forward<Args>(args)...));
}

/// What a task's `invoke` throws when its results encode to more than the limit: the task
/// fails with `error::message_too_large` itself, not with an exception of the function's, and
/// the worker goes on.
struct results_too_large
{
};

/// Runs `write()`, which encodes results: a message too large is `results_too_large`.
template <class Write>
decltype(auto) write_results(Write write)
{
    try {
        return write();
    } catch (const system_error& e) {
        if (e.code() != error::message_too_large)
            throw;
        throw results_too_large();
    }
}

template <class F, class Tuple>
struct invocable_with_moved;
template <class F, class... A>
struct invocable_with_moved<F, std::tuple<A...>> : std::is_invocable<F, A&&...>
{
};

/// Calls `Function` with decoded arguments, moving them in (a parameter taken by value is not
/// a second copy of a value near the size limit) unless it takes one by non-const reference.
template <auto Function, class Tuple>
decltype(auto) call_with_decoded(Tuple& arguments)
{
    if constexpr (invocable_with_moved<decltype(Function), Tuple>::value)
        return std::apply(Function, std::move(arguments));
    else
        return std::apply(Function, arguments);
}

template <class F, F Function>
std::string invoke_encoded(std::string_view encoded_arguments, std::uint32_t count)
{
    using arguments_t = typename function_traits<F>::arguments;
    using result_t = typename function_traits<F>::result;
    std::string raw_results; // numbers: written as they come
    raw_writer raw(raw_results);
    // Room for the results, but never more than the arguments can hold sets: `count` came
    // from another process.
    if constexpr (is_raw_v<result_t>)
        raw.reserve(std::min<std::size_t>(count, encoded_arguments.size() + 1) * sizeof(result_t));
    // Other results stay alive until all are encoded (see encode_argument_sets); a deque: no
    // vector<bool> proxies.
    std::deque<std::conditional_t<std::is_void_v<result_t>, char, result_t>> held;
    decode_with<tuple_is_raw_v<arguments_t>>(encoded_arguments, [&](auto& in) {
        for (std::uint32_t i = 0; i < count; ++i) {
            auto arguments = empty_tuple<arguments_t>::make();
            std::apply([&](auto&... v) { ((in >> v), ...); }, arguments);
            if constexpr (std::is_void_v<result_t>)
                call_with_decoded<Function>(arguments);
            else if constexpr (is_raw_v<result_t>) {
                const auto& result = call_with_decoded<Function>(arguments);
                write_results([&] { raw << result; });
            } else
                held.push_back(call_with_decoded<Function>(arguments));
        }
    });
    raw.finish();
    if constexpr (std::is_void_v<result_t> || is_raw_v<result_t>)
        return raw_results;
    else
        return write_results([&] {
            return encode_with<false>([&](auto& archive) {
                for (const auto& r : held)
                    archive << r;
            });
        });
}

template <class F, F Function>
struct task_registrar
{
    explicit task_registrar(const char* name)
    {
        static_assert(is_function_pointer_v<F>, "MULTIPROC_TASK takes a free function");
        register_task(reinterpret_cast<generic_function>(Function),
                      {name, function_traits<F>::signature(), &invoke_encoded<F, Function>});
    }
};

} // namespace detail

/// True if `function` was registered with MULTIPROC_TASK.
template <class F, class = std::enable_if_t<detail::is_function_pointer_v<F>>>
bool is_registered(F function) noexcept
{
    return detail::find_task(reinterpret_cast<detail::generic_function>(function)) != nullptr;
}

} // namespace multiproc

/// @cond MULTIPROC_INTERNAL
// For BOOST_CLASS_EXPORT of the types a task takes, and Boost's bulk load of arrays of numbers.
BOOST_SERIALIZATION_REGISTER_ARCHIVE(multiproc::detail::bounded_iarchive)
BOOST_SERIALIZATION_USE_ARRAY_OPTIMIZATION(multiproc::detail::bounded_iarchive)
#define MULTIPROC_DETAIL_CAT2(a, b) a##b
#define MULTIPROC_DETAIL_CAT(a, b) MULTIPROC_DETAIL_CAT2(a, b)
/// @endcond

/// Registers the free function `fn` under the name `#fn`, so that a spawned child can run it.
/// Use it once, at namespace scope, in the program that calls the task (any translation unit).
/// Spell the name the same way everywhere (`MULTIPROC_TASK(ns::fn)` is named "ns::fn").
#define MULTIPROC_TASK(fn)                                                                         \
    static const ::multiproc::detail::task_registrar<decltype(&fn), &fn> MULTIPROC_DETAIL_CAT(     \
        multiproc_task_registrar_, __LINE__){#fn};

#endif
