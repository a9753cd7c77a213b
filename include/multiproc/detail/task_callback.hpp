// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_DETAIL_TASK_CALLBACK_HPP
#define MULTIPROC_DETAIL_TASK_CALLBACK_HPP

#include <multiproc/detail/config.hpp>

#include <cstddef>
#include <new>
#include <type_traits>
#include <utility>

namespace multiproc::detail {

/// A move-only `void(Arg&&)` that keeps a small callable in place: every task has one, and
/// `std::function` allocates for any capture of a `shared_ptr` (it keeps only trivially
/// copyable callables in place).
template <class Arg>
class unique_callback
{
public:
    unique_callback() noexcept = default;
    unique_callback(std::nullptr_t) noexcept {}
    template <class F, class = std::enable_if_t<!std::is_same_v<std::decay_t<F>, unique_callback> &&
                                                !std::is_same_v<std::decay_t<F>, std::nullptr_t>>>
    unique_callback(F&& f) // NOLINT: converts like std::function
    {
        using T = std::decay_t<F>;
        if constexpr (fits_in_place<T>) {
            ::new (static_cast<void*>(storage_)) T(std::forward<F>(f));
            ops_ = &in_place_ops<T>;
        } else {
            ::new (static_cast<void*>(storage_)) T*(new T(std::forward<F>(f)));
            ops_ = &on_heap_ops<T>;
        }
    }
    unique_callback(unique_callback&& other) noexcept { take(other); }
    unique_callback& operator=(unique_callback&& other) noexcept
    {
        if (this != &other) {
            reset();
            take(other);
        }
        return *this;
    }
    ~unique_callback() { reset(); }

    explicit operator bool() const noexcept { return ops_ != nullptr; }
    void operator()(Arg&& arg) { ops_->call(storage_, std::move(arg)); }

private:
    struct operations
    {
        void (*call)(void* self, Arg&& arg);
        void (*move_to)(void* from, void* to) noexcept; // leaves `from` destroyed
        void (*destroy)(void* self) noexcept;
    };
    static constexpr std::size_t capacity = 4 * sizeof(void*);
    template <class T>
    static constexpr bool fits_in_place =
        sizeof(T) <= capacity &&
        alignof(T) <= alignof(std::max_align_t) && std::is_nothrow_move_constructible_v<T>;
    template <class T>
    static constexpr operations in_place_ops = {
        [](void* self, Arg&& arg) { (*static_cast<T*>(self))(std::move(arg)); },
        [](void* from, void* to) noexcept {
            ::new (to) T(std::move(*static_cast<T*>(from)));
            static_cast<T*>(from)->~T();
        },
        [](void* self) noexcept { static_cast<T*>(self)->~T(); },
    };
    template <class T>
    static constexpr operations on_heap_ops = {
        [](void* self, Arg&& arg) { (**static_cast<T**>(self))(std::move(arg)); },
        [](void* from, void* to) noexcept { ::new (to) T*(*static_cast<T**>(from)); },
        [](void* self) noexcept { delete *static_cast<T**>(self); },
    };

    void take(unique_callback& other) noexcept
    {
        if (other.ops_) {
            other.ops_->move_to(other.storage_, storage_);
            ops_ = std::exchange(other.ops_, nullptr);
        }
    }
    void reset() noexcept
    {
        if (ops_)
            std::exchange(ops_, nullptr)->destroy(storage_);
    }

    alignas(std::max_align_t) unsigned char storage_[capacity];
    const operations* ops_ = nullptr;
};

} // namespace multiproc::detail

#endif
