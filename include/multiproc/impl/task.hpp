// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_IMPL_TASK_HPP
#define MULTIPROC_IMPL_TASK_HPP

// The template bodies of detail/task_registry.hpp.

#include <multiproc/detail/config.hpp>

#include <algorithm>
#include <deque>
#include <tuple>
#include <type_traits>
#include <utility>

namespace multiproc::detail {

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

} // namespace multiproc::detail

#endif
