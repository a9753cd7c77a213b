// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_SHARED_MEMORY_HPP
#define MULTIPROC_SHARED_MEMORY_HPP

/// @file
/// Memory shared between processes: a raw named block (Python's
/// `multiprocessing.shared_memory.SharedMemory`), and typed values and arrays that carry their
/// own lock (Python's `multiprocessing.Value` and `Array`), on Boost.Interprocess.
///
/// Names, lifetime and passing to children are those of the objects in sync.hpp: create with
/// `create_only`, pass as a `process` argument or attach with `open_only` and `name()`; the
/// creating process removes the name when its last handle goes (on Windows the name goes with
/// the last handle of any process). On Linux a process that makes its first named object also
/// starts its name reaper, a small process outside its process group that waits for it (and its
/// fork() copies) to end, however they end (SIGKILL, Ctrl-C), then removes every name the
/// process made and exits: a killed program leaves nothing in /dev/shm.

#include <multiproc/detail/named_handle.hpp>
#include <multiproc/sync.hpp>

#include <cstddef>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

namespace multiproc {

/// A named block of shared memory, zero-filled when created. Copies share it.
///
/// Inherited (from an internal base), as every named object: `name()`, its system-wide name;
/// `explicit operator bool()`, false for an empty handle; `static bool remove(name)`.
class shared_memory : public detail::named_handle
{
public:
    /// An empty handle; assign or deserialize one.
    shared_memory() noexcept : named_handle(detail::segment_kind::memory) {}
    /// A new block of `size` bytes (at least 1: `errc::invalid_argument` otherwise).
    shared_memory(create_only_t, std::size_t size);
    /// As above, with the failure in `ec` instead of thrown.
    shared_memory(create_only_t, std::size_t size, error_code& ec);
    /// Attaches to the block called `name`.
    shared_memory(open_only_t, const std::string& name);
    /// As above, with the failure in `ec` instead of thrown.
    shared_memory(open_only_t, const std::string& name, error_code& ec);

    /// The first byte; null for an empty handle. Aligned for any type of alignment up to 64.
    void* data() const noexcept { return payload(); }
    /// The size asked for at creation.
    std::size_t size() const noexcept { return payload_size(); }
};

namespace detail {
/// A block of shared memory with its lock: what shared_value and shared_array share.
class locked_memory : public plain_serialization<locked_memory>
{
public:
    /// The lock that guards the memory (Python's `get_lock()`), recursive as Python's RLock:
    /// `load`/`store` may be called while holding it.
    recursive_mutex& get_lock() const noexcept { return lock_; }

    template <class Archive>
    void serialize(Archive& ar, unsigned)
    {
        ar& memory_& lock_;
    }

protected:
    locked_memory() = default;
    locked_memory(std::size_t size, error_code& ec);
    /// Copy `size` bytes at `offset` out or in, under the lock; `errc::result_out_of_range`
    /// past the end.
    void load_bytes(void* to, std::size_t offset, std::size_t size, error_code& ec) const;
    void store_bytes(const void* from, std::size_t offset, std::size_t size, error_code& ec);

private:
    /// Acquires the lock for a copy of that range: its address, or null with `ec` set.
    char* acquire_range(std::size_t offset, std::size_t size, error_code& ec) const;

protected:
    shared_memory memory_;
    mutable recursive_mutex lock_;
};
} // namespace detail

/// One `T` in shared memory with its lock (Python's `multiprocessing.Value`). `T` is trivially
/// copyable: its bytes are all there is to it.
///
/// Inherited (from an internal base): `recursive_mutex& get_lock() const`, the lock that
/// guards the memory (Python's `get_lock()`); `load`/`store` may be called while holding it.
template <class T>
class shared_value : public detail::locked_memory
{
    static_assert(std::is_trivially_copyable_v<T>, "shared_value<T> needs a trivially copyable T");
    static_assert(alignof(T) <= 64, "shared_value<T> supports alignments up to 64");

public:
    /// An empty handle; assign or deserialize one.
    shared_value() = default;
    /// Creates a new one under a fresh unique name (`create_only`).
    explicit shared_value(create_only_t, const T& initial = T())
    {
        error_code ec;
        *this = shared_value(create_only, initial, ec);
        detail::throw_if(ec, "multiproc::shared_value");
    }
    /// As above, with the failure in `ec` instead of thrown.
    shared_value(create_only_t, const T& initial, error_code& ec) : locked_memory(sizeof(T), ec)
    {
        if (!ec)
            std::memcpy(memory_.data(), &initial, sizeof(T));
    }

    /// The value, read under the lock (Python's `v.value`).
    T load() const
    {
        return detail::call_or_throw("multiproc::shared_value::load",
                                     [&](error_code& ec) { return load(ec); });
    }
    /// As above, with the failure in `ec` instead of thrown.
    T load(error_code& ec) const
    {
        T value{};
        load_bytes(&value, 0, sizeof(T), ec);
        return value;
    }
    /// Writes the value under the lock (Python's `v.value = x`).
    void store(const T& value)
    {
        detail::call_or_throw("multiproc::shared_value::store",
                              [&](error_code& ec) { store(value, ec); });
    }
    /// As above, with the failure in `ec` instead of thrown.
    void store(const T& value, error_code& ec) { store_bytes(&value, 0, sizeof(T), ec); }

    /// The value itself, without locking (Python's `get_obj()`): hold `get_lock()` to
    /// read-modify-write it, e.g. `std::lock_guard g(v.get_lock()); ++v.value();`.
    T& value() const noexcept { return *static_cast<T*>(memory_.data()); }
};

/// A fixed number of `T` in shared memory with their lock (Python's `multiprocessing.Array`),
/// zero-filled or copied from a vector.
///
/// Inherited (from an internal base): `recursive_mutex& get_lock() const`, the lock that
/// guards the memory (Python's `get_lock()`); `load`/`store` may be called while holding it.
template <class T>
class shared_array : public detail::locked_memory
{
    static_assert(std::is_trivially_copyable_v<T>, "shared_array<T> needs a trivially copyable T");
    static_assert(alignof(T) <= 64, "shared_array<T> supports alignments up to 64");

public:
    shared_array() = default;
    /// `size` zero bytes' worth of elements; `size` must be at least 1.
    shared_array(create_only_t, std::size_t size)
    {
        error_code ec;
        *this = shared_array(create_only, size, ec);
        detail::throw_if(ec, "multiproc::shared_array");
    }
    /// As above, with the failure in `ec` instead of thrown.
    shared_array(create_only_t, std::size_t size, error_code& ec)
        : locked_memory(size * sizeof(T), ec)
    {}
    /// A new array holding a copy of `initial`.
    shared_array(create_only_t, const std::vector<T>& initial)
        : shared_array(create_only, initial.size())
    {
        std::memcpy(data(), initial.data(), initial.size() * sizeof(T));
    }

    /// The number of elements.
    std::size_t size() const noexcept { return memory_.size() / sizeof(T); }
    /// The elements themselves, without locking (Python's `get_obj()`).
    T* data() const noexcept { return static_cast<T*>(memory_.data()); }
    /// `data()`, for a range-for (without locking).
    T* begin() const noexcept { return data(); }
    /// `data() + size()`.
    T* end() const noexcept { return data() + size(); }
    /// Element `i`, without locking or bounds check.
    T& operator[](std::size_t i) const noexcept { return data()[i]; }

    /// Element `i`, read under the lock; `errc::result_out_of_range` past the end.
    T load(std::size_t i) const
    {
        return detail::call_or_throw("multiproc::shared_array::load",
                                     [&](error_code& ec) { return load(i, ec); });
    }
    /// As above, with the failure in `ec` instead of thrown.
    T load(std::size_t i, error_code& ec) const
    {
        T value{};
        load_bytes(&value, i * sizeof(T), sizeof(T), ec);
        return value;
    }
    /// Writes element `i` under the lock; `errc::result_out_of_range` past the end.
    void store(std::size_t i, const T& value)
    {
        detail::call_or_throw("multiproc::shared_array::store",
                              [&](error_code& ec) { store(i, value, ec); });
    }
    /// As above, with the failure in `ec` instead of thrown.
    void store(std::size_t i, const T& value, error_code& ec)
    {
        store_bytes(&value, i * sizeof(T), sizeof(T), ec);
    }
    /// Every element, copied under the lock (Python's `a[:]`).
    std::vector<T> to_vector() const
    {
        std::vector<T> values(size());
        detail::call_or_throw("multiproc::shared_array::to_vector", [&](error_code& ec) {
            load_bytes(values.data(), 0, values.size() * sizeof(T), ec);
        });
        return values;
    }
};

} // namespace multiproc

#endif
