// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
//
// A queue is a Boost.Interprocess message_queue of fixed slots. A slot holds
//   u8 kind | payload                         kind 0: the encoded value itself
//   u8 kind | u64 size | segment name         kind 1: the value is in a shared memory segment
// A value too large for a slot gets a segment of its own, made by the producer and removed by
// the consumer that takes it.
//
// Every wait is cut into short slices: each slice takes the queue's lock anew, so a process that
// died holding it is noticed (robust mutex, POSIX) instead of waited for.

#include <multiproc/queue.hpp>

#include "detail/names.hpp"
#include "detail/os.hpp"

#include <boost/interprocess/ipc/message_queue.hpp>
#include <boost/interprocess/mapped_region.hpp>
#include <boost/interprocess/shared_memory_object.hpp>
#include <boost/interprocess/sync/interprocess_condition.hpp>
#include <boost/interprocess/sync/interprocess_mutex.hpp>
#include <boost/interprocess/sync/scoped_lock.hpp>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <sstream>

namespace multiproc::detail {

namespace bip = boost::interprocess;

namespace {

constexpr std::size_t default_maxsize = 4096;
constexpr std::size_t slot_size = 1024;
constexpr auto slice = std::chrono::milliseconds(100);

enum : unsigned char
{
    inline_value = 0,
    segment_value = 1,
};

bip::permissions owner_only()
{
    bip::permissions p;
#if defined(MULTIPROC_POSIX)
    p.set_permissions(0600);
#endif
    return p;
}

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
    std::size_t maxsize = 0;
    std::uint64_t tag = 0;
    pid_type creator = 0; // 0 when opened
    std::unique_ptr<bip::message_queue> slots;
    std::unique_ptr<bip::shared_memory_object> join_object;
    std::unique_ptr<bip::mapped_region> join_region;
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
    out << q->name << ' ' << q->maxsize << ' ' << q->tag << ' '
        << (q->join_name.empty() ? "-" : q->join_name);
    return out.str();
}

std::shared_ptr<queue_core> open_queue(const std::string& token, std::uint64_t tag)
{
    auto q = std::make_shared<queue_core>();
    std::istringstream in(token);
    in >> q->name >> q->maxsize >> q->tag >> q->join_name;
    if (!in || q->name.empty())
        throw system_error(make_error_code(error::bad_message), "multiproc::queue: bad handle");
    if (q->tag != tag)
        throw system_error(make_error_code(error::signature_mismatch),
                           "multiproc::queue: opened with another value type than it was made for");
    if (q->join_name == "-")
        q->join_name.clear();
    try {
        q->slots = std::make_unique<bip::message_queue>(bip::open_only, q->name.c_str());
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
    std::string segment;
    if (payload.size() + 1 <= slot_size) {
        slot.reserve(payload.size() + 1);
        slot.push_back(static_cast<char>(inline_value));
        slot.append(payload);
    } else {
        // Too large for a slot: a segment of its own, named in the slot.
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

bool queue_get(queue_core* q, std::string& payload, queue_clock::time_point deadline,
               error_code& ec)
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
        payload.assign(slot + 1, received - 1);
        return true;
    }
    if (slot[0] != segment_value || received < 1 + 8 + 1) {
        ec = make_error_code(error::bad_message);
        return false;
    }
    const std::uint64_t size = get_u64(slot + 1);
    const std::string segment(slot + 9, received - 9);
    const bool copied = guarded(ec, [&] {
        bip::shared_memory_object object(bip::open_only, segment.c_str(), bip::read_only);
        bip::mapped_region region(object, bip::read_only);
        if (region.get_size() < size)
            return false;
        payload.assign(static_cast<const char*>(region.get_address()), size);
        return true;
    });
    bip::shared_memory_object::remove(segment.c_str());
    if (!copied && !ec)
        ec = make_error_code(error::bad_message);
    return copied;
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
