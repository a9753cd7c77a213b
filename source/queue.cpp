// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
//
// A queue is a ring of fixed slots in one shared memory segment, with a lock that a killed
// holder hands on (recoverable_lock) and waits on counters that a killed waiter leaves nothing
// behind in (futex on Linux). Every change a put or a get makes to the ring is published by
// one final store (`tail` for a put, `head` for a get) made under the lock: a process killed
// before it changed nothing, one killed after it is done. So the next locker, told that the
// holder died, has nothing to repair: a value whose put was cut short was never put, one whose
// get was cut short is still there, and one taken is the dead taker's.
//
// A slot holds the bytes detail/queue_slot.hpp describes. A value too large for a slot goes to
// the queue's arena: one shared memory block per queue, mapped once by each process, with an
// allocator in it. The producer allocates and copies, the consumer copies and frees. Its pages
// are reused from value to value: a fresh segment per value costs a page fault per 4 KiB,
// which made large values 8x slower than memcpy. While the arena is full a producer waits a
// little for a consumer to make room (a producer faster than its consumers would otherwise
// fill it and then pay for fresh segments). A value that does not get into the arena gets a
// segment of its own, made by the producer and removed by the consumer that takes it: nobody
// waits for ever on a queue that has room for another value. Such a segment belongs to the
// queue: it is named after the queue's slots (so the reaper of the creating process's run
// removes it, see names.hpp), and the creating process, as it lets go of the queue, removes those
// that a killed producer or consumer left (value_segment_header). A process killed while it holds
// an arena block (allocated but not yet put, or taken but not yet freed) leaks that block: the
// arena fills up by what the killed processes held, and values go to segments once it is full.
// A process killed inside the arena's allocator breaks the arena (see arena_mutex): from then
// on every large value takes a segment.
//
// Waits are cut into slices of at most `slice`: a process killed after its final store and
// before its wake costs a waiter that much.

#include <multiproc/queue.hpp>

#include "detail/names.hpp"
#include "detail/os.hpp"
#include "detail/queue_slot.hpp"
#include "detail/segment.hpp"
#include "detail/shared_wait.hpp"

#include <multiproc/detail/wire.hpp>

#include <boost/interprocess/exceptions.hpp>
#include MULTIPROC_OS_MANAGED_MEMORY_HEADER
#include <boost/interprocess/mapped_region.hpp>
#include <boost/interprocess/shared_memory_object.hpp>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cstring>
#include <optional>
#include <vector>

namespace multiproc::detail {

namespace bip = boost::interprocess;

namespace {

constexpr std::size_t default_maxsize = 4096;
// Larger values get a segment of their own.
constexpr std::size_t arena_value_limit = queue_arena_size / 4;
// How long a producer waits for room in a full arena before it takes a segment instead.
constexpr auto arena_patience = std::chrono::milliseconds(20);
constexpr auto slice = std::chrono::milliseconds(50);
// How many times a waiter looks before it sleeps.
constexpr int spin_rounds = 200;

// The start of the ring's segment; `lengths` and the slots follow.
struct ring_header
{
    recoverable_lock lock;
    // Written under `lock`, read anywhere. head <= tail <= head + capacity.
    std::atomic<std::uint64_t> head{0};      // values taken
    std::atomic<std::uint64_t> tail{0};      // values put
    std::atomic<std::uint64_t> done{0};      // joinable: values reported done (<= tail)
    std::atomic<std::uint32_t> shut_down{0}; // 1 once shut down: no more puts, gets drain
    std::uint64_t capacity;                  // checked against the token's maxsize, which is used
    alignas(64) event_count put;             // getters wait for a value
    alignas(64) event_count taken;           // putters wait for room
    alignas(64) event_count freed;           // producers wait for room in the arena
    alignas(64) event_count all_done;        // joiners wait for done == tail
    std::atomic<std::uint32_t> had_segment_values{0}; // a value took a segment of its own

    explicit ring_header(std::uint64_t slots) : capacity(slots) {}
};

constexpr std::size_t lengths_offset = sizeof(ring_header);

std::size_t slots_offset(std::size_t capacity)
{
    return (lengths_offset + capacity * sizeof(std::uint32_t) + 63) / 64 * 64;
}

std::size_t ring_bytes(std::size_t capacity)
{
    return slots_offset(capacity) + capacity * queue_slot_size;
}

// A name of a shared memory object of ours, and nothing that could name anything else.
bool is_our_name(std::string_view name)
{
    return name.size() <= 128 && name_owner(name) != 0 &&
           std::all_of(name.begin(), name.end(), [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c == '_';
           });
}

// A decimal number with no sign and no leading zero, as std::to_string writes it.
bool parse_number(std::string_view text, std::uint64_t& value)
{
    if (text.empty() || (text.size() > 1 && text[0] == '0'))
        return false;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    return error == std::errc() && end == text.data() + text.size();
}

// The start of a value's own segment, `<queue's slots>_<producer's pid>_<hex>_<n>`; the value
// follows at value_segment_offset. The put's commit (under the ring's lock) sets `committed`,
// and a consumer maps the segment under the ring's lock before its get commits. So, looked at
// under the ring's lock, a value segment that no slot names is left behind if its producer has
// ended (a put cut short) or it is committed (a get cut short before its consumer removed it).
struct value_segment_header
{
    std::atomic<std::uint32_t> committed;
};
constexpr std::size_t value_segment_offset = 64;
static_assert(sizeof(value_segment_header) <= value_segment_offset);

} // namespace

// The arena allocator's lock, a recoverable_lock: Boost.Interprocess's own (a robust pthread
// mutex) can leave a waiter asleep for good when a holder is killed. A holder killed inside the
// allocator may have left its tree half changed, so the arena is broken from then on: every
// later allocate or deallocate throws, and the callers do without it.
class arena_mutex
{
public:
    arena_mutex() noexcept = default;
    arena_mutex(const arena_mutex&) = delete;
    arena_mutex& operator=(const arena_mutex&) = delete;

    void lock()
    {
        if (lock_.lock())
            broken_.store(true);
        if (broken_.load()) {
            lock_.unlock();
            throw bip::lock_exception(bip::not_recoverable);
        }
    }
    void unlock() noexcept { lock_.unlock(); }

private:
    recoverable_lock lock_;
    std::atomic<bool> broken_{false};
};

struct arena_mutex_family
{
    using mutex_type = arena_mutex;
    using recursive_mutex_type = bip::interprocess_recursive_mutex; // named objects: unused
};

using arena_memory = os::managed_memory<bip::rbtree_best_fit<arena_mutex_family>>;

std::string encode_slot(const slot_message& m)
{
    std::string out;
    wire_writer w(out);
    w.u8(static_cast<std::uint8_t>(m.kind));
    if (m.kind != slot_kind::inline_value)
        w.u64(m.size);
    if (m.kind == slot_kind::arena_value)
        w.u64(m.offset);
    else
        w.bytes(m.payload);
    return out;
}

slot_message decode_slot(std::string_view bytes, error_code& ec)
{
    ec.clear();
    slot_message m;
    if (bytes.empty() || bytes.size() > queue_slot_size) {
        ec = make_error_code(error::bad_message);
        return m;
    }
    wire_reader in(bytes);
    m.kind = static_cast<slot_kind>(in.u8());
    switch (m.kind) {
    case slot_kind::inline_value:
        m.payload = in.rest();
        return m;
    case slot_kind::segment_value:
        m.size = in.u64();
        m.payload = in.rest();
        if (in.failed() || m.payload.empty() || m.size > message_limit() || !is_our_name(m.payload))
            break;
        return m;
    case slot_kind::arena_value:
        m.size = in.u64();
        m.offset = in.u64();
        if (!in.finish(ec) || m.offset > queue_arena_size || m.size > queue_arena_size - m.offset)
            break;
        return m;
    }
    ec = make_error_code(error::bad_message);
    return slot_message();
}

std::string format_queue_token(const queue_token_fields& t)
{
    return t.name + ' ' + std::to_string(t.maxsize) + ' ' + std::to_string(t.tag) + ' ' +
           t.arena_name + ' ' + (t.joinable ? '1' : '0');
}

queue_token_fields parse_queue_token(const std::string& token, error_code& ec)
{
    ec = make_error_code(error::bad_message);
    std::string_view fields[5];
    std::string_view rest = token;
    for (std::size_t i = 0; i < 5; ++i) {
        const std::size_t space = i < 4 ? rest.find(' ') : rest.size();
        if (space == std::string_view::npos)
            return {};
        fields[i] = rest.substr(0, space);
        rest.remove_prefix(std::min(rest.size(), space + 1));
    }
    queue_token_fields t;
    std::uint64_t maxsize = 0;
    if (!is_our_name(fields[0]) || !parse_number(fields[1], maxsize) || maxsize == 0 ||
        maxsize > queue_max_maxsize || !parse_number(fields[2], t.tag) || !is_our_name(fields[3]) ||
        (fields[4] != "0" && fields[4] != "1"))
        return {};
    t.name = fields[0];
    t.maxsize = static_cast<std::size_t>(maxsize);
    t.arena_name = fields[3];
    t.joinable = fields[4] == "1";
    ec.clear();
    return t;
}

struct queue_core;
void remove_left_value_segments(queue_core* q) noexcept;

struct queue_core
{
    queue_token_fields names;
    pid_type creator = 0; // 0 when opened
    std::shared_ptr<segment> ring_segment;
    ring_header* ring = nullptr;
    std::uint32_t* lengths = nullptr;
    char* slots = nullptr;
    std::unique_ptr<arena_memory> arena;
    // This process waited for room in vain: nobody seems to be taking values. It waits again
    // once it finds room.
    std::atomic<bool> arena_stalled{false};
    std::atomic<bool> closed{false};

    queue_core() = default;
    queue_core(const queue_core&) = delete;
    queue_core& operator=(const queue_core&) = delete;

    ~queue_core()
    {
        // Only the creating process removes the arena's name (a forked copy of it does not);
        // the ring's segment does the same for its own.
        const bool creating_process = creator != 0 && creator == os::current_pid();
        if (creating_process)
            remove_left_value_segments(this);
        arena.reset();
        if (creating_process && os::shared_memory_names_persist)
            bip::shared_memory_object::remove(names.arena_name.c_str());
    }

    void map_ring()
    {
        auto* base = static_cast<char*>(ring_segment->payload());
        ring = reinterpret_cast<ring_header*>(base);
        lengths = reinterpret_cast<std::uint32_t*>(base + lengths_offset);
        slots = base + slots_offset(names.maxsize);
    }
};

std::shared_ptr<queue_core> create_queue(std::size_t maxsize, std::uint64_t tag, bool joinable)
{
    auto q = std::make_shared<queue_core>();
    q->names.maxsize = maxsize == 0 ? default_maxsize : maxsize;
    if (q->names.maxsize > queue_max_maxsize)
        throw system_error(make_error_code(boost::system::errc::invalid_argument),
                           "multiproc::queue: maxsize above " + std::to_string(queue_max_maxsize));
    q->names.tag = tag;
    q->names.joinable = joinable;
    error_code ec;
    q->ring_segment = segment::create(segment_kind::queue, ring_bytes(q->names.maxsize), ec);
    if (ec)
        throw system_error(ec, "multiproc::queue: cannot make its slots");
    q->names.name = q->ring_segment->name();
    q->map_ring();
    new (q->ring) ring_header(q->names.maxsize);
    q->names.arena_name = unique_name();
    q->creator = os::current_pid();
    try {
        q->arena =
            std::make_unique<arena_memory>(bip::create_only, q->names.arena_name.c_str(),
                                           queue_arena_size, nullptr, os::owner_only_permissions());
    } catch (const bip::interprocess_exception& e) {
        throw system_error(to_error_code(e), "multiproc::queue: cannot make its arena");
    }
    return q;
}

std::string queue_token(const queue_core* q)
{
    return format_queue_token(q->names);
}

std::shared_ptr<queue_core> open_queue(const std::string& token, std::uint64_t tag)
{
    auto q = std::make_shared<queue_core>();
    error_code ec;
    q->names = parse_queue_token(token, ec);
    if (ec)
        throw system_error(ec, "multiproc::queue: bad handle");
    if (q->names.tag != tag)
        throw system_error(make_error_code(error::signature_mismatch),
                           "multiproc::queue: opened with another value type than it was made for");
    q->ring_segment = segment::open(segment_kind::queue, q->names.name, ec);
    if (!ec && q->ring_segment->payload_size() < ring_bytes(q->names.maxsize))
        ec = make_error_code(error::bad_message);
    if (!ec) {
        q->map_ring();
        if (q->ring->capacity != q->names.maxsize)
            ec = make_error_code(error::bad_message);
    }
    if (ec)
        throw system_error(make_error_code(error::queue_broken),
                           "multiproc::queue: cannot open " + q->names.name + ": " + ec.message());
    try {
        q->arena = std::make_unique<arena_memory>(bip::open_only, q->names.arena_name.c_str());
    } catch (const bip::interprocess_exception& e) {
        throw system_error(make_error_code(error::queue_broken), "multiproc::queue: cannot open " +
                                                                     q->names.arena_name + ": " +
                                                                     e.what());
    }
    return q;
}

namespace {

// Wakes every waiter of the ring, whatever it waits for.
void notify_everyone(ring_header* ring) noexcept
{
    ring->put.notify_all();
    ring->taken.notify_all();
    ring->freed.notify_all();
    ring->all_done.notify_all();
}

// Waits until `ready()` or the deadline; returns `ready()`. `ready` reads the ring without its
// lock: a hint, which the caller checks again under the lock.
template <class Ready>
bool wait_until(event_count& events, queue_clock::time_point deadline, Ready ready)
{
    // The other side is usually on another core, and a few hundred nanoseconds away: spinning
    // a little spares a sleep and a wake (two system calls).
    for (int round = 0; round < spin_rounds; ++round) {
        if (ready())
            return true;
        spin_pause();
    }
    for (;;) {
        const std::uint32_t seen = events.prepare_wait();
        if (ready())
            return true;
        const auto now = queue_clock::now();
        if (now >= deadline)
            return false;
        events.wait(seen, deadline - now < slice ? deadline : now + slice);
    }
}

// The ring's lock for a scope. A holder that died stopped before or after its final store:
// nothing to repair, but a wake it owed may be missing, so everyone is woken.
class ring_lock
{
public:
    explicit ring_lock(ring_header* ring) noexcept : ring_(ring)
    {
        if (ring_->lock.lock())
            notify_everyone(ring_);
    }
    ~ring_lock() { ring_->lock.unlock(); }
    ring_lock(const ring_lock&) = delete;
    ring_lock& operator=(const ring_lock&) = delete;

private:
    ring_header* ring_;
};

bool has_room(const queue_core* q) noexcept
{
    const std::uint64_t head = q->ring->head.load();
    return q->ring->tail.load() - head < q->names.maxsize;
}

bool has_value(const ring_header* ring) noexcept
{
    return ring->tail.load() != ring->head.load();
}

bool is_shut_down(const ring_header* ring) noexcept
{
    return ring->shut_down.load() != 0;
}

enum class put_outcome
{
    put,
    full,
    shut_down,
};

// Puts `slot` in the ring if there is room now and the queue is not shut down (looked at under
// the lock: no put lands after a shutdown); marks `committed` (a value segment's) with it.
put_outcome try_put(queue_core* q, std::string_view slot,
                    std::atomic<std::uint32_t>* committed = nullptr) noexcept
{
    ring_header* ring = q->ring;
    {
        ring_lock locked(ring);
        if (is_shut_down(ring))
            return put_outcome::shut_down;
        const std::uint64_t tail = ring->tail.load(std::memory_order_relaxed);
        if (tail - ring->head.load(std::memory_order_relaxed) >= q->names.maxsize)
            return put_outcome::full;
        const std::size_t i = static_cast<std::size_t>(tail % q->names.maxsize);
        q->lengths[i] = static_cast<std::uint32_t>(slot.size());
        std::memcpy(q->slots + i * queue_slot_size, slot.data(), slot.size());
        if (committed)
            committed->store(1);
        ring->tail.store(tail + 1, std::memory_order_release); // the put
    }
    ring->put.notify_all();
    return put_outcome::put;
}

// Takes the oldest slot into `slot` if there is one now; returns its size, or 0 for none (and
// then `error::queue_shut_down` in `ec` if the queue is shut down: it stays empty).
// `before_commit(slot, size)` runs under the lock before the get commits.
template <class BeforeCommit>
std::size_t try_take(queue_core* q, char (&slot)[queue_slot_size], error_code& ec,
                     BeforeCommit before_commit) noexcept
{
    ring_header* ring = q->ring;
    std::size_t size = 0;
    {
        ring_lock locked(ring);
        const std::uint64_t head = ring->head.load(std::memory_order_relaxed);
        if (head == ring->tail.load(std::memory_order_relaxed)) {
            if (is_shut_down(ring))
                ec = make_error_code(error::queue_shut_down);
            return 0;
        }
        const std::size_t i = static_cast<std::size_t>(head % q->names.maxsize);
        size = std::min<std::size_t>(q->lengths[i], queue_slot_size);
        std::memcpy(slot, q->slots + i * queue_slot_size, size);
        if (size == 0) { // no put writes that: taken, and reported as a bad message
            slot[0] = char(0xff);
            size = 1;
        }
        before_commit(slot, size);
        ring->head.store(head + 1, std::memory_order_release); // the get
    }
    ring->taken.notify_all();
    return size;
}

// A block of `size` bytes in the arena, or nullptr if there is no room (or the arena broke).
void* try_allocate(queue_core* q, std::size_t size) noexcept
{
    try {
        return q->arena->allocate(size, std::nothrow);
    } catch (const bip::interprocess_exception&) {
        return nullptr;
    }
}

// A block of `size` bytes in the arena, waiting a little for room (see the top), at most until
// the deadline: nullptr if there is none.
void* allocate_in_arena(queue_core* q, std::size_t size, queue_clock::time_point deadline)
{
    if (size > arena_value_limit)
        return nullptr;
    deadline = q->arena_stalled ? queue_clock::now()
                                : std::min(deadline, queue_clock::now() + arena_patience);
    void* block = nullptr;
    q->arena_stalled = !wait_until(q->ring->freed, deadline,
                                   [&] { return (block = try_allocate(q, size)) != nullptr; });
    return block;
}

// Gives a block back to the arena and wakes producers waiting for room. In a broken arena the
// block stays taken.
void free_in_arena(queue_core* q, void* block) noexcept
{
    try {
        q->arena->deallocate(block);
    } catch (const bip::interprocess_exception&) {
        return;
    }
    q->ring->freed.notify_all();
}

// Frees an arena block at the end of a scope, thrown out of or not.
struct arena_block_deleter
{
    queue_core* q;
    void operator()(void* block) const noexcept { free_in_arena(q, block); }
};

// A value segment's name is its queue's slots' name, '_', and the producer's unique suffix.
bool is_value_segment_of(const queue_core* q, std::string_view name) noexcept
{
    const std::string_view queue = q->names.name;
    return name.size() > queue.size() + 1 && name.substr(0, queue.size()) == queue &&
           name[queue.size()] == '_';
}

// A taken value's segment, mapped before the get commits (see value_segment_header); at the
// end of the scope, thrown out of or not, unmapped and then removed (Windows cannot remove a
// mapped file under Wine).
struct taken_segment
{
    std::optional<bip::mapped_region> region;
    char name[130] = {};
    error_code ec;

    taken_segment() = default;
    taken_segment(const taken_segment&) = delete;
    taken_segment& operator=(const taken_segment&) = delete;
    ~taken_segment()
    {
        if (region) {
            region.reset();
            os::remove_shared_object(name);
        }
    }

    // Under the ring's lock, for the slot being taken: maps its segment if it names one of the
    // queue's. Allocates nothing: it runs in a noexcept scope.
    void map(const queue_core* q, const char* slot, std::size_t size) noexcept
    {
        if (size == 0 || slot[0] != static_cast<char>(slot_kind::segment_value))
            return;
        const slot_message m = decode_slot(std::string_view(slot, size), ec);
        if (ec || m.payload.size() >= sizeof name || !is_value_segment_of(q, m.payload)) {
            ec = make_error_code(error::bad_message);
            return;
        }
        std::memcpy(name, m.payload.data(), m.payload.size());
        try {
            bip::shared_memory_object object(bip::open_only, name, bip::read_only);
            region.emplace(object, bip::read_only);
        } catch (const bip::interprocess_exception& e) {
            ec = to_error_code(e);
        }
    }
};

// True for a value segment of `q` (named `name`) that nobody will take or remove: its producer
// has ended (or is this process, which is letting go of the queue) or its put committed and
// its get was cut short. Called under the ring's lock, for a segment no slot names.
bool is_left_behind(const queue_core* q, const std::string& name) noexcept
{
    const pid_type producer = name_owner("mp_" + name.substr(q->names.name.size() + 1));
    if (producer == os::current_pid() || (producer != 0 && os::process_ended(producer)))
        return true;
    try {
        bip::shared_memory_object object(bip::open_only, name.c_str(), bip::read_only);
        bip::offset_t size = 0;
        if (!object.get_size(size) || size < static_cast<bip::offset_t>(value_segment_offset))
            return false; // still being made
        bip::mapped_region region(object, bip::read_only, 0, value_segment_offset);
        return static_cast<const value_segment_header*>(region.get_address())->committed.load();
    } catch (const bip::interprocess_exception&) {
        return false; // gone already
    }
}

} // namespace

// In the creating process, as it lets go of the queue: removes the value segments that killed
// producers and consumers left. Those still queued stay for the other processes that may hold
// the queue; the reaper of this process's run removes them at its end.
void remove_left_value_segments(queue_core* q) noexcept
{
    if (q->ring->had_segment_values.load() == 0)
        return;
    try {
        std::vector<std::string> queued;
        ring_lock locked(q->ring);
        const std::uint64_t tail = q->ring->tail.load();
        for (std::uint64_t i = q->ring->head.load(); i != tail; ++i) {
            const std::size_t at = static_cast<std::size_t>(i % q->names.maxsize);
            const std::size_t size = std::min<std::size_t>(q->lengths[at], queue_slot_size);
            error_code ec;
            const slot_message m =
                decode_slot(std::string_view(q->slots + at * queue_slot_size, size), ec);
            if (!ec && m.kind == slot_kind::segment_value)
                queued.emplace_back(m.payload);
        }
        for (const std::string& name : names_starting_with(q->names.name + "_"))
            if (std::find(queued.begin(), queued.end(), name) == queued.end() &&
                is_left_behind(q, name))
                os::remove_shared_object(name);
    } catch (const std::bad_alloc&) {
        // Left to the reaper.
    }
}

bool queue_put(queue_core* q, std::string_view payload, queue_clock::time_point deadline,
               error_code& ec)
{
    ec.clear();
    if (q->closed) {
        ec = make_error_code(error::queue_closed);
        return false;
    }
    if (!fits_message_limit(payload.size(), ec))
        return false;
    if (is_shut_down(q->ring)) { // before a large value is copied; try_put looks again
        ec = make_error_code(error::queue_shut_down);
        return false;
    }
    slot_message m;
    std::string segment;                              // segment_value: its name
    std::optional<bip::mapped_region> segment_region; // segment_value: mapped until the commit
    void* in_arena = nullptr;                         // arena_value: its block
    if (payload.size() + 1 <= queue_slot_size) {
        m.payload = payload;
    } else if ((in_arena = allocate_in_arena(q, payload.size(), deadline))) {
        std::memcpy(in_arena, payload.data(), payload.size());
        m.kind = slot_kind::arena_value;
        m.size = payload.size();
        m.offset = static_cast<std::uint64_t>(q->arena->get_handle_from_address(in_arena));
    } else {
        // No room in the arena: a segment of its own, named in the slot (see the top).
        q->ring->had_segment_values.store(1);
        segment = q->names.name + "_" + unique_suffix();
        try {
            bip::shared_memory_object object(bip::create_only, segment.c_str(), bip::read_write,
                                             os::owner_only_permissions());
            object.truncate(static_cast<bip::offset_t>(value_segment_offset + payload.size()));
            segment_region.emplace(object, bip::read_write);
            new (segment_region->get_address()) value_segment_header{};
            std::memcpy(static_cast<char*>(segment_region->get_address()) + value_segment_offset,
                        payload.data(), payload.size());
        } catch (const bip::interprocess_exception& e) {
            os::remove_shared_object(segment);
            ec = to_error_code(e);
            return false;
        }
        m.kind = slot_kind::segment_value;
        m.size = payload.size();
        m.payload = segment;
    }
    const std::string slot = encode_slot(m);
    std::atomic<std::uint32_t>* committed =
        segment_region
            ? &static_cast<value_segment_header*>(segment_region->get_address())->committed
            : nullptr;
    put_outcome outcome;
    while ((outcome = try_put(q, slot, committed)) == put_outcome::full &&
           wait_until(q->ring->taken, deadline,
                      [&] { return has_room(q) || is_shut_down(q->ring); })) {
    }
    if (outcome == put_outcome::put)
        return true;
    if (outcome == put_outcome::shut_down)
        ec = make_error_code(error::queue_shut_down);
    segment_region.reset(); // unmapped first: Windows cannot remove a mapped file
    if (!segment.empty())
        os::remove_shared_object(segment);
    if (in_arena)
        free_in_arena(q, in_arena);
    return false;
}

bool queue_get(queue_core* q, void (*take)(void* context, std::string_view bytes), void* context,
               queue_clock::time_point deadline, error_code& ec)
{
    ec.clear();
    if (q->closed) {
        ec = make_error_code(error::queue_closed);
        return false;
    }
    char slot[queue_slot_size];
    std::size_t size = 0;
    taken_segment segment;
    const auto map_segment = [&](const char* bytes, std::size_t n) noexcept {
        segment.map(q, bytes, n);
    };
    while ((size = try_take(q, slot, ec, map_segment)) == 0)
        if (ec || !wait_until(q->ring->put, deadline,
                              [&] { return has_value(q->ring) || is_shut_down(q->ring); }))
            return false;
    const slot_message m = decode_slot(std::string_view(slot, size), ec);
    if (ec)
        return false;
    switch (m.kind) {
    case slot_kind::inline_value:
        take(context, m.payload);
        return true;
    case slot_kind::arena_value: {
        void* block =
            q->arena->get_address_from_handle(static_cast<arena_memory::handle_t>(m.offset));
        const std::unique_ptr<void, arena_block_deleter> freed(block, {q});
        take(context, std::string_view(static_cast<const char*>(block), m.size));
        return true;
    }
    case slot_kind::segment_value:
        break;
    }
    if (segment.ec) {
        ec = segment.ec;
        return false;
    }
    if (segment.region->get_size() < value_segment_offset + m.size) {
        ec = make_error_code(error::bad_message);
        return false;
    }
    take(context, std::string_view(static_cast<const char*>(segment.region->get_address()) +
                                       value_segment_offset,
                                   m.size));
    return true;
}

std::size_t queue_size(const queue_core* q, error_code& ec) noexcept
{
    ec.clear();
    if (q->closed) {
        ec = make_error_code(error::queue_closed);
        return 0;
    }
    const std::uint64_t head = q->ring->head.load();
    return static_cast<std::size_t>(q->ring->tail.load() - head);
}

bool queue_ready(const queue_core* q) noexcept
{
    error_code ec;
    return q->closed || is_shut_down(q->ring) || queue_size(q, ec) > 0;
}

namespace {
// Lets go of a value taken out of the ring unread: its arena block or its segment.
void discard(queue_core* q, std::string_view slot) noexcept
{
    error_code ec;
    const slot_message m = decode_slot(slot, ec);
    if (ec)
        return;
    if (m.kind == slot_kind::arena_value)
        free_in_arena(
            q, q->arena->get_address_from_handle(static_cast<arena_memory::handle_t>(m.offset)));
    else if (m.kind == slot_kind::segment_value)
        os::remove_shared_object(std::string(m.payload));
}
} // namespace

void queue_shutdown(queue_core* q, bool immediate, error_code& ec)
{
    ec.clear();
    if (q->closed) {
        ec = make_error_code(error::queue_closed);
        return;
    }
    ring_header* ring = q->ring;
    std::vector<std::string> discarded; // let go of once the lock is released
    {
        ring_lock locked(ring);
        ring->shut_down.store(1);
        if (immediate) {
            // Python's: every value still queued is taken, and counts as done for join().
            const std::uint64_t tail = ring->tail.load(std::memory_order_relaxed);
            std::uint64_t head = ring->head.load(std::memory_order_relaxed);
            for (; head != tail; ++head) {
                const std::size_t i = static_cast<std::size_t>(head % q->names.maxsize);
                discarded.emplace_back(q->slots + i * queue_slot_size,
                                       std::min<std::size_t>(q->lengths[i], queue_slot_size));
            }
            if (q->names.joinable)
                ring->done.fetch_add(discarded.size());
            ring->head.store(tail, std::memory_order_release);
        }
    }
    for (const std::string& slot : discarded)
        discard(q, slot);
    // Everyone waiting looks again: getters of an empty queue and putters fail, joiners of
    // a drained one return.
    notify_everyone(ring);
}

std::size_t queue_maxsize(const queue_core* q) noexcept
{
    return q->names.maxsize;
}

void queue_close(queue_core* q) noexcept
{
    q->closed = true;
}

void queue_task_done(queue_core* q, error_code& ec)
{
    ec.clear();
    if (!q->names.joinable) {
        ec = make_error_code(error::not_supported);
        return;
    }
    ring_header* ring = q->ring;
    std::uint64_t done = ring->done.load();
    do {
        if (done >= ring->tail.load()) {
            ec = make_error_code(boost::system::errc::invalid_argument);
            return;
        }
    } while (!ring->done.compare_exchange_weak(done, done + 1));
    ring->all_done.notify_all();
}

bool queue_join(queue_core* q, queue_clock::time_point deadline, error_code& ec)
{
    ec.clear();
    if (!q->names.joinable) {
        ec = make_error_code(error::not_supported);
        return false;
    }
    ring_header* ring = q->ring;
    return wait_until(ring->all_done, deadline,
                      [&] { return ring->done.load() == ring->tail.load(); });
}

} // namespace multiproc::detail
