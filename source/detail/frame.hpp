// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_SOURCE_DETAIL_FRAME_HPP
#define MULTIPROC_SOURCE_DETAIL_FRAME_HPP

// The frames a parent and its spawned child exchange over their channel. Every decoder checks
// bounds: the bytes come from another process.
//
//   frame   := u32 length (of kind + body, little-endian) | u8 kind | body
//   run     := text protocol | text process name | text task | text signature | text arguments
//   started := (empty)
//   refused := u32 multiproc::error value | text message
//   worker  := text protocol | text process name | text name of its rings (frame_ring.hpp)
//                                           (then tasks in the task ring, until stop)
//   task    := u64 id | text task | text signature | u32 n | text arguments
//   result  := u64 id | u8 1 | text results
//            | u64 id | u8 0 | text exception type | text what
//            | u64 id | u8 2 | u32 multiproc::error value | text what
//                                   (the task failed in the library: its results too large)
//   stop    := (empty)
//   on_channel := (empty)    in a ring: the frame of this place comes on the channel
//   wake    := (empty)       on the channel: there are frames in the ring
//
// A task's arguments are n argument sets in one archive (a chunk of a map); its results are
// the n results in one archive.
//   text    := u32 length | bytes
//
// The arguments and the results are a message each, at most `message_limit()` bytes (checked
// by their encoders); a frame adds at most `frame_overhead` bytes of other fields to one.

#include "os.hpp"

#include <multiproc/detail/received_bytes.hpp>
#include <multiproc/task.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace multiproc::detail {

enum class frame_kind : std::uint8_t
{
    run = 1,        // parent -> child: the task to run
    started = 2,    // child -> parent: init reached, the task is being run
    refused = 3,    // child -> parent: the task cannot be run here (with the reason)
    worker = 4,     // parent -> child: serve tasks until the stream ends
    task = 5,       // parent -> worker
    result = 6,     // worker -> parent
    stop = 7,       // parent -> worker: exit once the tasks before this are done
    on_channel = 8, // in a ring: the frame of this place comes on the channel
    wake = 9,       // on the channel: frames are waiting in the ring
};

/// Room in a frame for its fields beside the message it carries: ids, counts, a task's name
/// and signature, a process name, an exception's type.
inline constexpr std::size_t frame_overhead = 64 * 1024;
/// The largest frame body a sender of ours writes; larger ones are refused as malformed.
inline std::size_t max_frame_body() noexcept
{
    return message_limit() + frame_overhead;
}

struct run_frame
{
    std::string process_name;
    std::string task;
    std::string signature;
    std::string arguments;
};

struct refused_frame
{
    error reason = error::bad_message;
    std::string message;
};

/// One task for a pool worker: the function, and `count` argument sets (a chunk).
struct task_frame
{
    std::uint64_t id = 0;
    std::string task;
    std::string signature;
    std::uint32_t count = 1;
    std::string_view arguments; // in the body it was decoded from (or encoded from)
};

/// What a worker sends back: every result of the chunk, or the exception that stopped it, or
/// the library's error (`failure`, then `what` says more).
struct result_frame
{
    std::uint64_t id = 0;
    bool ok = true;
    std::string_view results; // in the body it was decoded from (or encoded from)
    std::string exception_type;
    std::string what;
    error failure{}; // !ok: 0 for an exception of the task's
};

struct worker_frame
{
    std::string process_name;
    std::string rings; // the name of its task and result rings
};
std::string encode(const worker_frame& f);
worker_frame decode_worker(std::string_view body, error_code& ec);
std::string encode(const task_frame& f);
task_frame decode_task(std::string_view body, error_code& ec);
std::string encode(const result_frame& f);
result_frame decode_result(std::string_view body, error_code& ec);

struct task_outcome;
/// A decoded result frame as the caller's outcome: a `remote_exception`, or the library's
/// error code itself; for a frame with results, the caller keeps them (`outcome.results`)
/// from the buffer the frame is in.
void to_outcome(const result_frame& result, task_outcome& outcome);

std::string encode(const run_frame& f);
run_frame decode_run(std::string_view body, error_code& ec);
std::string encode(const refused_frame& f);
refused_frame decode_refused(std::string_view body, error_code& ec);

/// Writes one frame; `error::message_too_large` (nothing written) for a body above
/// `max_frame_body()`.
void send_frame(os::channel& c, frame_kind kind, std::string_view body,
                os::clock::time_point deadline, error_code& ec);
/// Reads one whole frame (blocking); `error::peer_closed` at end of stream.
frame_kind receive_frame(os::channel& c, std::string& body, error_code& ec);

/// Bytes read from a channel, frames one after another: [read, used) not handled yet.
struct frame_buffer
{
    std::vector<char> bytes;
    std::size_t read = 0;
    std::size_t used = 0;
};
/// `part`, of a frame before `buffer.read`, for its receiver to keep. A large part takes the
/// buffer's storage with it (the bytes not handled yet go to new storage): the one copy of a
/// message near the size limit is the read itself. A small part is copied.
received_bytes keep_part(frame_buffer& buffer, std::string_view part);

/// Reads frames from a channel through a buffer, so that one read takes every frame that has
/// arrived (a worker's pipelined tasks).
class frame_reader
{
public:
    explicit frame_reader(os::channel& c) : channel_(c) {}
    /// The next frame, waiting for it; `body` stays valid until the next call.
    frame_kind next(std::string_view& body, error_code& ec);
    /// `part` of the frame `next` gave, kept past the next call (see keep_part).
    received_bytes keep(std::string_view part) { return keep_part(buffer_, part); }

private:
    os::channel& channel_;
    frame_buffer buffer_;
};

/// The frame header: u32 length of kind + body, then the kind.
inline constexpr std::size_t frame_header_size = 5;
void append_frame(std::string& out, frame_kind kind, std::string_view body);
/// Appends a whole task frame (header included) without copying its parts first.
void append_task_frame(std::string& out, std::uint64_t id, std::string_view task,
                       std::string_view signature, std::uint32_t count, std::string_view arguments);
/// Writes the header of a frame of `kind` with a body of `body_size` bytes to `out`.
void put_frame_header(char* out, frame_kind kind, std::size_t body_size) noexcept;
/// The kind and body length of a frame whose header starts `bytes`; `error::bad_message` for a
/// header no sender of ours writes.
frame_kind parse_frame_header(const char* bytes, std::size_t& body_size, error_code& ec);

enum class parsed
{
    frame,
    incomplete,
    bad,
};
/// The frame at `at` of `bytes[0, used)`: its kind and body, if it is all there.
parsed frame_at(const std::vector<char>& bytes, std::size_t at, std::size_t used, frame_kind& kind,
                std::string_view& body);

} // namespace multiproc::detail

#endif
