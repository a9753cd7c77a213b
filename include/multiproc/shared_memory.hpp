// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_SHARED_MEMORY_HPP
#define MULTIPROC_SHARED_MEMORY_HPP

/// @file
/// Memory shared between processes: a raw named block (Python's
/// `multiprocessing.shared_memory.SharedMemory`), and typed values and arrays with their own
/// lock, a given one or none (Python's `multiprocessing.Value` and `Array` with `lock=`), on
/// Boost.Interprocess.
///
/// Names, lifetime and passing to children are those of the objects in sync.hpp: create with
/// `create_only`, pass as a `process` argument or attach with `open_only` and `name()`; the
/// creating process removes the name when its last handle goes (on Windows the name goes with
/// the last handle of any process). On Linux a process that makes its first named object also
/// starts its name reaper, a small process outside its process group that waits for it (and its
/// fork() copies) to end, however they end (SIGKILL, Ctrl-C), then removes every name the
/// process made and exits: a killed program leaves nothing in /dev/shm.

#include <multiproc/detail/config.hpp>

#include <multiproc/creation_tags.hpp>
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
class MULTIPROC_DECL shared_memory : public detail::named_handle
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

/// Tag and lock type: a `shared_value` or `shared_array` without a lock (Python's
/// `lock=False`, `RawValue`, `RawArray`). `load`/`store` copy without locking, and there is
/// no `get_lock()`.
struct no_lock_t
{
    explicit no_lock_t() = default;
};
/// The tag: `shared_value<T, no_lock_t>(create_only, v, no_lock)` says it at the call.
inline constexpr no_lock_t no_lock{};

namespace detail {

/// Copies `size` bytes at `offset` of `memory` out or in, holding `lock` unless it is null;
/// `errc::result_out_of_range` past the end, `errc::invalid_argument` for an empty handle.
MULTIPROC_DECL void load_bytes(const shared_memory& memory, acquirable* lock, void* to,
                               std::size_t offset, std::size_t size, error_code& ec);
MULTIPROC_DECL void store_bytes(const shared_memory& memory, acquirable* lock, const void* from,
                                std::size_t offset, std::size_t size, error_code& ec);

/// A block of shared memory with its lock, of type `Lock`: what shared_value and shared_array
/// share. The lock is the value's own, made with it, or one given at creation (Python's
/// `lock=`), which then guards this memory and whatever else its owner uses it for.
template <class Lock>
class locked_memory : public plain_serialization<locked_memory<Lock>>
{
    static_assert(std::is_base_of_v<acquirable, Lock>,
                  "the lock of a shared_value or shared_array is mp::lock, mp::recursive_lock "
                  "(or another of sync.hpp's acquirable objects), or mp::no_lock_t");

public:
    /// The lock that guards the memory (Python's `get_lock()`): the given one, if one was.
    Lock& get_lock() const noexcept { return lock_; }

    /// @cond MULTIPROC_INTERNAL
    template <class Archive>
    void serialize(Archive& ar, unsigned)
    {
        ar& memory_& lock_;
    }
    /// @endcond

protected:
    locked_memory() = default;
    /// A new block with a new lock of its own.
    locked_memory(std::size_t size, error_code& ec) : memory_(create_only, size, ec)
    {
        if (!ec)
            lock_ = Lock(create_only, ec);
        if (ec)
            memory_ = shared_memory();
    }
    /// A new block guarded by `given` (an empty handle: `errc::invalid_argument`).
    locked_memory(std::size_t size, Lock given, error_code& ec)
    {
        if (!given) {
            ec = boost::system::errc::make_error_code(boost::system::errc::invalid_argument);
            return;
        }
        memory_ = shared_memory(create_only, size, ec);
        if (!ec)
            lock_ = std::move(given);
    }
    void load_bytes(void* to, std::size_t offset, std::size_t size, error_code& ec) const
    {
        detail::load_bytes(memory_, &lock_, to, offset, size, ec);
    }
    void store_bytes(const void* from, std::size_t offset, std::size_t size, error_code& ec)
    {
        detail::store_bytes(memory_, &lock_, from, offset, size, ec);
    }

    shared_memory memory_;
    mutable Lock lock_;
};

/// The same without a lock: no `get_lock()`.
template <>
class locked_memory<no_lock_t> : public plain_serialization<locked_memory<no_lock_t>>
{
public:
    /// @cond MULTIPROC_INTERNAL
    template <class Archive>
    void serialize(Archive& ar, unsigned)
    {
        ar& memory_;
    }
    /// @endcond

protected:
    locked_memory() = default;
    locked_memory(std::size_t size, error_code& ec) : memory_(create_only, size, ec) {}
    locked_memory(std::size_t size, no_lock_t, error_code& ec) : memory_(create_only, size, ec) {}
    void load_bytes(void* to, std::size_t offset, std::size_t size, error_code& ec) const
    {
        detail::load_bytes(memory_, nullptr, to, offset, size, ec);
    }
    void store_bytes(const void* from, std::size_t offset, std::size_t size, error_code& ec)
    {
        detail::store_bytes(memory_, nullptr, from, offset, size, ec);
    }

    shared_memory memory_;
};

} // namespace detail

/// One `T` in shared memory with its lock (Python's `multiprocessing.Value`). `T` is trivially
/// copyable: its bytes are all there is to it.
///
/// `Lock` is Python's `lock=` argument: `recursive_lock` (the default, Python's `lock=True`: an
/// RLock of its own, so `load`/`store` may be called while holding it), `lock` (a plain one;
/// `load`/`store` while holding it fail with `errc::resource_deadlock_would_occur`), or
/// `no_lock_t` (`lock=False`, `RawValue`: no lock, no `get_lock()`). Each kind of lock is made
/// with the value, or given to the constructor (Python's `lock=some_lock`): then `get_lock()`
/// is that lock, and a child gets the same lock with the value (spawn: by name; fork: a copy).
///
/// Inherited (from an internal base), unless `Lock` is `no_lock_t`: `Lock& get_lock() const`,
/// the lock that guards the memory (Python's `get_lock()`).
template <class T, class Lock = recursive_lock>
class shared_value : public detail::locked_memory<Lock>
{
    static_assert(std::is_trivially_copyable_v<T>, "shared_value<T> needs a trivially copyable T");
    static_assert(alignof(T) <= 64, "shared_value<T> supports alignments up to 64");
    using base = detail::locked_memory<Lock>;

public:
    /// An empty handle; assign or deserialize one.
    shared_value() = default;
    /// Creates a new one under a fresh unique name (`create_only`), with a lock of its own.
    explicit shared_value(create_only_t, const T& initial = T())
    {
        error_code ec;
        *this = shared_value(create_only, initial, ec);
        detail::throw_if(ec, "multiproc::shared_value");
    }
    /// As above, with the failure in `ec` instead of thrown.
    shared_value(create_only_t, const T& initial, error_code& ec) : base(sizeof(T), ec)
    {
        if (!ec)
            std::memcpy(this->memory_.data(), &initial, sizeof(T));
    }
    /// Creates a new one guarded by `lock` (Python's `Value(t, v, lock=lock)`; for
    /// `no_lock_t`, the tag `no_lock`).
    shared_value(create_only_t, const T& initial, Lock lock)
    {
        error_code ec;
        *this = shared_value(create_only, initial, std::move(lock), ec);
        detail::throw_if(ec, "multiproc::shared_value");
    }
    /// As above, with the failure in `ec` instead of thrown.
    shared_value(create_only_t, const T& initial, Lock lock, error_code& ec)
        : base(sizeof(T), std::move(lock), ec)
    {
        if (!ec)
            std::memcpy(this->memory_.data(), &initial, sizeof(T));
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
        this->load_bytes(&value, 0, sizeof(T), ec);
        return value;
    }
    /// Writes the value under the lock (Python's `v.value = x`).
    void store(const T& value)
    {
        detail::call_or_throw("multiproc::shared_value::store",
                              [&](error_code& ec) { store(value, ec); });
    }
    /// As above, with the failure in `ec` instead of thrown.
    void store(const T& value, error_code& ec) { this->store_bytes(&value, 0, sizeof(T), ec); }

    /// The value itself, without locking (Python's `get_obj()`): hold `get_lock()` to
    /// read-modify-write it, e.g. `std::lock_guard g(v.get_lock()); ++v.value();`.
    T& value() const noexcept { return *static_cast<T*>(this->memory_.data()); }
};

/// A fixed number of `T` in shared memory with their lock (Python's `multiprocessing.Array`),
/// zero-filled or copied from a vector. `Lock` is Python's `lock=`, as for `shared_value`.
///
/// Inherited (from an internal base), unless `Lock` is `no_lock_t`: `Lock& get_lock() const`,
/// the lock that guards the memory (Python's `get_lock()`).
template <class T, class Lock = recursive_lock>
class shared_array : public detail::locked_memory<Lock>
{
    static_assert(std::is_trivially_copyable_v<T>, "shared_array<T> needs a trivially copyable T");
    static_assert(alignof(T) <= 64, "shared_array<T> supports alignments up to 64");
    using base = detail::locked_memory<Lock>;

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
    shared_array(create_only_t, std::size_t size, error_code& ec) : base(size * sizeof(T), ec) {}
    /// As above, guarded by `lock` (Python's `Array(t, n, lock=lock)`).
    shared_array(create_only_t, std::size_t size, Lock lock)
    {
        error_code ec;
        *this = shared_array(create_only, size, std::move(lock), ec);
        detail::throw_if(ec, "multiproc::shared_array");
    }
    /// As above, with the failure in `ec` instead of thrown.
    shared_array(create_only_t, std::size_t size, Lock lock, error_code& ec)
        : base(size * sizeof(T), std::move(lock), ec)
    {}
    /// A new array holding a copy of `initial`.
    shared_array(create_only_t, const std::vector<T>& initial)
        : shared_array(create_only, initial.size())
    {
        std::memcpy(data(), initial.data(), initial.size() * sizeof(T));
    }
    /// As above, guarded by `lock`.
    shared_array(create_only_t, const std::vector<T>& initial, Lock lock)
        : shared_array(create_only, initial.size(), std::move(lock))
    {
        std::memcpy(data(), initial.data(), initial.size() * sizeof(T));
    }

    /// The number of elements.
    std::size_t size() const noexcept { return this->memory_.size() / sizeof(T); }
    /// The elements themselves, without locking (Python's `get_obj()`).
    T* data() const noexcept { return static_cast<T*>(this->memory_.data()); }
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
        this->load_bytes(&value, i * sizeof(T), sizeof(T), ec);
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
        this->store_bytes(&value, i * sizeof(T), sizeof(T), ec);
    }
    /// Every element, copied under the lock (Python's `a[:]`).
    std::vector<T> to_vector() const
    {
        std::vector<T> values(size());
        detail::call_or_throw("multiproc::shared_array::to_vector", [&](error_code& ec) {
            this->load_bytes(values.data(), 0, values.size() * sizeof(T), ec);
        });
        return values;
    }
};

} // namespace multiproc

#endif
