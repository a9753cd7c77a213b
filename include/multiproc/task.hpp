// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_TASK_HPP
#define MULTIPROC_TASK_HPP

/// @file
/// The task registry: `MULTIPROC_TASK(fn)` names a free function so that a spawned child (a
/// fresh copy of the program) can find it again, and the argument/result encoding through
/// Boost.Serialization. Include <boost/serialization/...> for the std types your tasks take;
/// std::string and std::vector are included here.

#include <multiproc/error.hpp>

#include <boost/archive/binary_iarchive.hpp>
#include <boost/archive/binary_oarchive.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

namespace multiproc {
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

/// What the registry knows of one task. `invoke` decodes the arguments, calls the function and
/// returns the encoded result (empty for void).
struct task_entry
{
    const char* name;
    const char* signature; // typeid name of R(A...) with references and cv dropped
    std::string (*invoke)(const std::string& encoded_arguments);
};

/// Adds a task; aborts with a message when the name is already taken by another function.
void register_task(generic_function function, const task_entry& entry);
/// The entry of a registered function or name, or nullptr.
const task_entry* find_task(generic_function function) noexcept;
const task_entry* find_task(std::string_view name) noexcept;

template <class T>
using stored_t = std::remove_cv_t<std::remove_reference_t<T>>;

inline constexpr auto archive_flags = boost::archive::no_header | boost::archive::no_codecvt;

/// Encodes values in order with Boost.Serialization's binary archive.
template <class... T>
std::string encode(const T&... values)
{
    std::ostringstream out(std::ios::binary);
    {
        boost::archive::binary_oarchive archive(out, archive_flags);
        ((archive << values), ...);
    }
    return out.str();
}

/// Decodes into each element of a tuple, in order (the inverse of encode).
template <class Tuple>
void decode_into(const std::string& bytes, Tuple& values)
{
    std::istringstream in(bytes, std::ios::binary);
    boost::archive::binary_iarchive archive(in, archive_flags);
    std::apply([&](auto&... v) { ((archive >> v), ...); }, values);
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

template <class F, F Function>
std::string invoke_encoded(const std::string& encoded_arguments)
{
    using traits = function_traits<F>;
    typename traits::arguments arguments;
    decode_into(encoded_arguments, arguments);
    if constexpr (std::is_void_v<typename traits::result>) {
        std::apply(Function, arguments);
        return {};
    } else {
        return encode(std::apply(Function, arguments));
    }
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

#define MULTIPROC_DETAIL_CAT2(a, b) a##b
#define MULTIPROC_DETAIL_CAT(a, b) MULTIPROC_DETAIL_CAT2(a, b)

/// Registers the free function `fn` under the name `#fn`, so that a spawned child can run it.
/// Use it once, at namespace scope, in the program that calls the task (any translation unit).
/// Spell the name the same way everywhere (`MULTIPROC_TASK(ns::fn)` is named "ns::fn").
#define MULTIPROC_TASK(fn)                                                                         \
    static const ::multiproc::detail::task_registrar<decltype(&fn), &fn> MULTIPROC_DETAIL_CAT(     \
        multiproc_task_registrar_, __LINE__){#fn};

#endif
