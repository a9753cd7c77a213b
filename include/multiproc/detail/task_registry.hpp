// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_DETAIL_TASK_REGISTRY_HPP
#define MULTIPROC_DETAIL_TASK_REGISTRY_HPP

// The registry of tasks (what MULTIPROC_TASK fills) and the encoded call of one: a child finds
// a function by its name and runs it on encoded arguments. The template bodies are in
// impl/task.hpp.

#include <multiproc/detail/config.hpp>

#include <multiproc/detail/codec.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <typeinfo>

namespace multiproc::detail {

using generic_function = void (*)();

/// What the registry knows of one task. `invoke` decodes `count` argument sets, calls the
/// function with each and returns the results, encoded in one archive (empty for void).
struct task_entry
{
    const char* name;
    const char* signature; // typeid name of R(A...) with references and cv dropped
    std::string (*invoke)(std::string_view encoded_arguments, std::uint32_t count);
};

/// Adds a task; aborts with a message when the name is already taken by another function.
MULTIPROC_DECL void register_task(generic_function function, const task_entry& entry);
/// Throws `system_error` with `error::unregistered_task`, saying how to register; `what` names
/// the caller.
[[noreturn]] MULTIPROC_DECL void throw_unregistered(const char* what);
/// The entry of a registered function or name, or nullptr.
MULTIPROC_DECL const task_entry* find_task(generic_function function) noexcept;
MULTIPROC_DECL const task_entry* find_task(std::string_view name) noexcept;

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
std::string encode_arguments(F, Args&&... args);

/// What a task's `invoke` throws when its results encode to more than the limit: the task
/// fails with `error::message_too_large` itself, not with an exception of the function's, and
/// the worker goes on.
struct results_too_large
{
};

/// A registered task's `invoke`: decodes `count` argument sets, calls `Function` with each and
/// returns the results encoded.
template <class F, F Function>
std::string invoke_encoded(std::string_view encoded_arguments, std::uint32_t count);

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

} // namespace multiproc::detail

#include <multiproc/impl/task.hpp>

#endif
