// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
//
// A queue is a Boost.Interprocess message_queue of fixed slots. A slot holds
//   u8 kind | payload                         kind 0: the encoded value itself
//   u8 kind | u64 size | segment name         kind 1: the value is in a shared memory segment
//   u8 kind | u64 size | u64 offset           kind 2: the value is in the queue's arena
// A value too large for a slot goes to the queue's arena: one shared memory block per queue,
// mapped once by each process, with an allocator in it. The producer allocates and copies, the
// consumer copies and frees. Its pages are reused from value to value: a fresh segment per value
// costs a page fault per 4 KiB, which made large values 8x slower than memcpy. While the arena
// is full a producer waits a little for a consumer to make room (a producer faster than its
// consumers would otherwise fill it and then pay for fresh segments). A value that does not get
// into the arena gets a segment of its own, made by the producer and removed by the consumer
// that takes it: nobody waits for ever on a queue that has room for another value.
//
// Every wait is cut into short slices: each slice takes the queue's lock anew, so a process that
// died holding it is noticed (robust mutex, POSIX) instead of waited for.

#include <multiproc/queue.hpp>

#include "detail/names.hpp"
#include "detail/os.hpp"

#include <boost/interprocess/ipc/message_queue.hpp>
#include <boost/interprocess/managed_shared_memory.hpp>
#include <boost/interprocess/mapped_region.hpp>
#include <boost/interprocess/shared_memory_object.hpp>
#include <boost/interprocess/sync/interprocess_condition.hpp>
#include <boost/interprocess/sync/interprocess_mutex.hpp>
#include <boost/interprocess/sync/scoped_lock.hpp>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <optional>
#include <sstream>

namespace multiproc::detail {

namespace bip = boost::interprocess;

namespace {

constexpr std::size_t default_maxsize = 4096;
constexpr std::size_t slot_size = 1024;
// Address space, not memory: pages are taken as values use them, and then reused.
constexpr std::size_t arena_size = 16 * 1024 * 1024;
// Larger values get a segment of their own.
constexpr std::size_t arena_value_limit = arena_size / 4;
// How long a producer waits for room in a full arena before it takes a segment instead.
constexpr auto arena_patience = std::chrono::milliseconds(20);
constexpr auto slice = std::chrono::milliseconds(100);

enum : unsigned char
{
    inline_value = 0,
    segment_value = 1,
    arena_value = 2,
};

bip::permissions owner_only()
{
    bip::permissions p;
#if defined(MULTIPROC_POSIX)
    p.set_permissions(0600);
#endif
    return p;
}

// In the arena: consumers signal `freed` when they give a block back.
struct arena_room
{
    bip::interprocess_mutex mutex;
    bip::interprocess_condition freed;
};

// Counters of a joinable queue, in a segment of their own.
struct join_state
{
    bip::interprocess_mutex mutex;
    bip::interprocess_condition all_done;
    std::uint64_t unfinished = 0;
};

// The end of the current wait slice: `slice` from now, or the deadline if sooner, as the
// system-clock time point Interprocess waits on.
std::chrono::system_clock::time_point slice_end(queue_clock::time_point deadline)
{
    const auto now = queue_clock::now();
    const auto left = deadline - now;
    const auto step =
        left < std::chrono::duration_cast<queue_clock::duration>(slice) ? left : slice;
    return std::chrono::system_clock::now() +
           std::chrono::duration_cast<std::chrono::system_clock::duration>(
               std::max(step, queue_clock::duration::zero()));
}

// Runs an Interprocess call; a dead lock holder or any other Interprocess failure becomes an
// error code.
template <class F>
auto guarded(error_code& ec, F f) -> decltype(f())
{
    try {
        ec.clear();
        return f();
    } catch (const bip::lock_exception&) {
        ec = make_error_code(error::queue_broken);
    } catch (const bip::interprocess_exception& e) {
        ec = e.get_native_error() != 0
                 ? error_code(e.get_native_error(), boost::system::system_category())
                 : make_error_code(error::queue_broken);
    }
    return decltype(f())();
}

void put_u64(std::string& out, std::uint64_t v)
{
    for (int i = 0; i < 8; ++i)
        out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

std::uint64_t get_u64(const char* in)
{
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i)
        v |= std::uint64_t(static_cast<unsigned char>(in[i])) << (8 * i);
    return v;
}

} // namespace

struct queue_core
{
    std::string name;
    std::string join_name; // empty unless joinable
    std::string arena_name;
    std::size_t maxsize = 0;
    std::uint64_t tag = 0;
    pid_type creator = 0; // 0 when opened
    std::unique_ptr<bip::message_queue> slots;
    std::unique_ptr<bip::shared_memory_object> join_object;
    std::unique_ptr<bip::mapped_region> join_region;
    std::unique_ptr<bip::managed_shared_memory> arena;
    arena_room* room = nullptr;
    // This process waited for room in vain: nobody seems to be taking values. It waits again
    // once it finds room.
    std::atomic<bool> arena_stalled{false};
    join_state* joins = nullptr;
    std::atomic<bool> closed{false};

    queue_core() = default;
    queue_core(const queue_core&) = delete;
    queue_core& operator=(const queue_core&) = delete;

    ~queue_core()
    {
        // Only the creating process removes the names (a forked copy of it does not).
        if (creator != 0 && creator == os::current_pid()) {
            slots.reset();
            bip::message_queue::remove(name.c_str());
            arena.reset();
            bip::shared_memory_object::remove(arena_name.c_str());
            if (!join_name.empty())
                bip::shared_memory_object::remove(join_name.c_str());
        }
    }

    void map_joins()
    {
        join_region = std::make_unique<bip::mapped_region>(*join_object, bip::read_write);
        joins = static_cast<join_state*>(join_region->get_address());
    }
};

std::shared_ptr<queue_core> create_queue(std::size_t maxsize, std::uint64_t tag, bool joinable)
{
    auto q = std::make_shared<queue_core>();
    q->maxsize = maxsize == 0 ? default_maxsize : maxsize;
    q->tag = tag;
    q->name = unique_name();
    q->slots = std::make_unique<bip::message_queue>(bip::create_only, q->name.c_str(), q->maxsize,
                                                    slot_size, owner_only());
    q->creator = os::current_pid();
    q->arena_name = unique_name();
    q->arena = std::make_unique<bip::managed_shared_memory>(bip::create_only, q->arena_name.c_str(),
                                                            arena_size, nullptr, owner_only());
    q->room = q->arena->construct<arena_room>("room")();
    if (joinable) {
        q->join_name = unique_name();
        q->join_object = std::make_unique<bip::shared_memory_object>(
            bip::create_only, q->join_name.c_str(), bip::read_write, owner_only());
        q->join_object->truncate(sizeof(join_state));
        q->map_joins();
        new (q->joins) join_state();
    }
    return q;
}

std::string queue_token(const queue_core* q)
{
    std::ostringstream out;
    out << q->name << ' ' << q->maxsize << ' ' << q->tag << ' ' << q->arena_name << ' '
        << (q->join_name.empty() ? "-" : q->join_name);
    return out.str();
}

std::shared_ptr<queue_core> open_queue(const std::string& token, std::uint64_t tag)
{
    auto q = std::make_shared<queue_core>();
    std::istringstream in(token);
    in >> q->name >> q->maxsize >> q->tag >> q->arena_name >> q->join_name;
    if (!in || q->name.empty())
        throw system_error(make_error_code(error::bad_message), "multiproc::queue: bad handle");
    if (q->tag != tag)
        throw system_error(make_error_code(error::signature_mismatch),
                           "multiproc::queue: opened with another value type than it was made for");
    if (q->join_name == "-")
        q->join_name.clear();
    try {
        q->slots = std::make_unique<bip::message_queue>(bip::open_only, q->name.c_str());
        q->arena =
            std::make_unique<bip::managed_shared_memory>(bip::open_only, q->arena_name.c_str());
        q->room = q->arena->find<arena_room>("room").first;
        if (!q->room)
            throw bip::interprocess_exception("no arena");
        if (!q->join_name.empty()) {
            q->join_object = std::make_unique<bip::shared_memory_object>(
                bip::open_only, q->join_name.c_str(), bip::read_write);
            q->map_joins();
        }
    } catch (const bip::interprocess_exception& e) {
        throw system_error(make_error_code(error::queue_broken),
                           std::string("multiproc::queue: cannot open ") + q->name + ": " +
                               e.what());
    }
    return q;
}

namespace {

// A block of `size` bytes in the arena, waiting a little for room (see the top), at most until
// the deadline: nullptr if there is none, or on error (`ec`).
void* allocate_in_arena(queue_core* q, std::size_t size, queue_clock::time_point deadline,
                        error_code& ec)
{
    if (size > arena_value_limit)
        return nullptr;
    if (!q->arena_stalled)
        deadline = std::min(deadline, queue_clock::now() + arena_patience);
    for (;;) {
        void* block = guarded(ec, [&] {
            void* got = q->arena->allocate(size, std::nothrow);
            if (got || q->arena_stalled)
                return got;
            // Under the room's lock: a block freed from here on signals us.
            bip::scoped_lock<bip::interprocess_mutex> lock(q->room->mutex);
            got = q->arena->allocate(size, std::nothrow);
            if (!got)
                q->room->freed.timed_wait(lock, slice_end(deadline));
            return got;
        });
        if (block || ec || q->arena_stalled || queue_clock::now() >= deadline) {
            q->arena_stalled = !block && !ec;
            return block;
        }
    }
}

// Gives a block back to the arena and wakes producers waiting for room. A dead process holding
// the arena's lock leaves the block taken; the queue reports itself broken at its next large
// value.
void free_in_arena(queue_core* q, void* block) noexcept
{
    error_code ignored;
    guarded(ignored, [&] {
        q->arena->deallocate(block);
        bip::scoped_lock<bip::interprocess_mutex> lock(q->room->mutex);
        q->room->freed.notify_all();
        return true;
    });
}

// Frees an arena block at the end of a scope, thrown out of or not.
struct arena_block_deleter
{
    queue_core* q;
    void operator()(void* block) const noexcept { free_in_arena(q, block); }
};

// Removes a value's segment at the end of a scope.
struct segment_remover
{
    void operator()(const std::string* name) const noexcept
    {
        bip::shared_memory_object::remove(name->c_str());
    }
};

} // namespace

bool queue_put(queue_core* q, std::string_view payload, queue_clock::time_point deadline,
               error_code& ec)
{
    if (q->closed) {
        ec = make_error_code(error::queue_closed);
        return false;
    }
    if (payload.size() > max_encoded_size) {
        ec = make_error_code(error::message_too_large);
        return false;
    }
    std::string slot;
    std::string segment;      // kind 1: its name
    void* in_arena = nullptr; // kind 2: its block
    if (payload.size() + 1 <= slot_size) {
        slot.reserve(payload.size() + 1);
        slot.push_back(static_cast<char>(inline_value));
        slot.append(payload);
    } else if (in_arena = allocate_in_arena(q, payload.size(), deadline, ec); ec) {
        return false;
    } else if (in_arena) {
        std::memcpy(in_arena, payload.data(), payload.size());
        slot.push_back(static_cast<char>(arena_value));
        put_u64(slot, payload.size());
        put_u64(slot, static_cast<std::uint64_t>(q->arena->get_handle_from_address(in_arena)));
    } else {
        // No room in the arena: a segment of its own, named in the slot.
        segment = unique_name();
        const bool written = guarded(ec, [&] {
            bip::shared_memory_object object(bip::create_only, segment.c_str(), bip::read_write,
                                             owner_only());
            object.truncate(static_cast<bip::offset_t>(payload.size()));
            bip::mapped_region region(object, bip::read_write);
            std::memcpy(region.get_address(), payload.data(), payload.size());
            return true;
        });
        if (!written)
            return false;
        slot.push_back(static_cast<char>(segment_value));
        put_u64(slot, payload.size());
        slot.append(segment);
    }
    if (q->joins) {
        const bool counted = guarded(ec, [&] {
            bip::scoped_lock<bip::interprocess_mutex> lock(q->joins->mutex);
            ++q->joins->unfinished;
            return true;
        });
        if (!counted)
            return false;
    }
    for (;;) {
        const bool sent = guarded(ec, [&] {
            return q->slots->timed_send(slot.data(), slot.size(), 0, slice_end(deadline));
        });
        if (sent || ec || queue_clock::now() >= deadline) {
            if (!sent) {
                if (!segment.empty())
                    bip::shared_memory_object::remove(segment.c_str());
                if (in_arena)
                    free_in_arena(q, in_arena);
                if (q->joins && !ec) {
                    error_code ignored;
                    guarded(ignored, [&] {
                        bip::scoped_lock<bip::interprocess_mutex> lock(q->joins->mutex);
                        --q->joins->unfinished;
                        return true;
                    });
                }
            }
            return sent;
        }
    }
}

bool queue_get(queue_core* q, void (*take)(void* context, std::string_view bytes), void* context,
               queue_clock::time_point deadline, error_code& ec)
{
    if (q->closed) {
        ec = make_error_code(error::queue_closed);
        return false;
    }
    char slot[slot_size];
    bip::message_queue::size_type received = 0;
    unsigned priority = 0;
    for (;;) {
        const bool got = guarded(ec, [&] {
            return q->slots->timed_receive(slot, sizeof slot, received, priority,
                                           slice_end(deadline));
        });
        if (ec)
            return false;
        if (got)
            break;
        if (queue_clock::now() >= deadline)
            return false;
    }
    if (received == 0) {
        ec = make_error_code(error::bad_message);
        return false;
    }
    if (slot[0] == inline_value) {
        take(context, std::string_view(slot + 1, received - 1));
        return true;
    }
    if (received < 1 + 8 + 1 || (slot[0] != segment_value && slot[0] != arena_value) ||
        (slot[0] == arena_value && received != 1 + 8 + 8)) {
        ec = make_error_code(error::bad_message);
        return false;
    }
    const std::uint64_t size = get_u64(slot + 1);
    if (slot[0] == arena_value) {
        const std::uint64_t offset = get_u64(slot + 9);
        if (offset > arena_size || size > arena_size - offset) {
            ec = make_error_code(error::bad_message);
            return false;
        }
        void* block = q->arena->get_address_from_handle(
            static_cast<bip::managed_shared_memory::handle_t>(offset));
        const std::unique_ptr<void, arena_block_deleter> freed(block, {q});
        take(context, std::string_view(static_cast<const char*>(block), size));
        return true;
    }
    const std::string segment(slot + 9, received - 9);
    const std::unique_ptr<const std::string, segment_remover> removed(&segment);
    std::optional<bip::mapped_region> region;
    guarded(ec, [&] {
        bip::shared_memory_object object(bip::open_only, segment.c_str(), bip::read_only);
        region.emplace(object, bip::read_only);
        return true;
    });
    if (ec)
        return false;
    if (region->get_size() < size) {
        ec = make_error_code(error::bad_message);
        return false;
    }
    take(context, std::string_view(static_cast<const char*>(region->get_address()), size));
    return true;
}

std::size_t queue_size(const queue_core* q) noexcept
{
    error_code ec;
    return guarded(ec, [&] { return static_cast<std::size_t>(q->slots->get_num_msg()); });
}

std::size_t queue_maxsize(const queue_core* q) noexcept
{
    return q->maxsize;
}

void queue_close(queue_core* q) noexcept
{
    q->closed = true;
}

void queue_task_done(queue_core* q, error_code& ec)
{
    if (!q->joins) {
        ec = make_error_code(error::not_supported);
        return;
    }
    guarded(ec, [&] {
        bip::scoped_lock<bip::interprocess_mutex> lock(q->joins->mutex);
        if (q->joins->unfinished == 0) {
            ec = make_error_code(boost::system::errc::invalid_argument);
            return false;
        }
        if (--q->joins->unfinished == 0)
            q->joins->all_done.notify_all();
        return true;
    });
}

bool queue_join(queue_core* q, queue_clock::time_point deadline, error_code& ec)
{
    if (!q->joins) {
        ec = make_error_code(error::not_supported);
        return false;
    }
    for (;;) {
        const bool done = guarded(ec, [&] {
            bip::scoped_lock<bip::interprocess_mutex> lock(q->joins->mutex);
            if (q->joins->unfinished == 0)
                return true;
            q->joins->all_done.timed_wait(lock, slice_end(deadline));
            return q->joins->unfinished == 0;
        });
        if (done || ec || queue_clock::now() >= deadline)
            return done;
    }
}

} // namespace multiproc::detail
