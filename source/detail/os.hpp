// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_SOURCE_DETAIL_OS_HPP
#define MULTIPROC_SOURCE_DETAIL_OS_HPP

// The one neutral interface between the portable library and the operating system. Each
// function is implemented once per platform: source/posix/ and source/windows/.

#include <multiproc/error.hpp>
#include <multiproc/listener.hpp>
#include <multiproc/this_process.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/interprocess/interprocess_fwd.hpp>

namespace boost::asio {
class io_context;
}

namespace multiproc::detail::os {

/// Set in the environment of every spawned child; `multiproc::init` removes it. A process that
/// still has it never called init.
inline constexpr const char* spawned_marker = "MULTIPROC_SPAWNED";
/// Set in the environment of every spawned child to "PID:NAME" of its parent (for
/// `parent_process()`); `multiproc::init` removes it.
inline constexpr const char* parent_variable = "MULTIPROC_PARENT";

using clock = std::chrono::steady_clock;

#if defined(MULTIPROC_WINDOWS)
using native_handle = void*;
#else
using native_handle = int;
#endif

/// Handles travel through the public headers as integers (they must not name OS types).
inline native_handle to_native(std::intptr_t h) noexcept
{
#if defined(MULTIPROC_WINDOWS)
    return reinterpret_cast<native_handle>(h);
#else
    return static_cast<native_handle>(h);
#endif
}
inline std::intptr_t from_native(native_handle h) noexcept
{
#if defined(MULTIPROC_WINDOWS)
    return reinterpret_cast<std::intptr_t>(h);
#else
    return h;
#endif
}

/// One end of a private, bidirectional byte stream between a parent and its child
/// (a socketpair on POSIX). Move-only; closes on destruction.
class channel
{
public:
    channel() = default;
    explicit channel(native_handle h) noexcept : handle_(h) {}
    channel(channel&& other) noexcept;
    channel& operator=(channel&& other) noexcept;
    ~channel();

    /// Two connected ends, not inherited by children by default. On Windows the parent's end
    /// is overlapped, and the child's too with `both_overlapped` (a pipe's ends, which the
    /// Asio operations may use; a plain handle cannot be waited on without a thread).
    static void make_pair(channel& parent_end, channel& child_end, error_code& ec,
                          bool both_overlapped = false);
    /// The child's end as the text the child adopts it from (argv), and back.
    std::string token() const;
    static channel adopt(const std::string& token, error_code& ec);

    /// Writes everything, waiting at most until the deadline for room.
    void write_all(const void* data, std::size_t size, clock::time_point deadline, error_code& ec);
    /// Fills the whole buffer; `error::peer_closed` if the stream ends first.
    void read_exact(void* data, std::size_t size, error_code& ec);
    /// Reads `size` bytes into `out` (replacing what it held) as read_exact does, but grows
    /// `out` as they arrive: a length another process sent must not make us allocate it
    /// before the bytes are there.
    void read_exact(std::string& out, std::size_t size, error_code& ec);
    /// write_all with `attached` riding on the bytes where the system carries handles on the
    /// stream (POSIX: SCM_RIGHTS on an AF_UNIX socket). Windows: as write_all; the caller has put
    /// a duplicate made by `handle_for` into the bytes.
    void write_all_with_handle(const void* data, std::size_t size, native_handle attached,
                               error_code& ec);
    /// read_exact, and the handle that rode on those bytes (invalid when none did).
    native_handle read_exact_with_handle(void* data, std::size_t size, error_code& ec);
    /// Reads what has arrived, waiting for at least one byte; `error::peer_closed` at the end.
    std::size_t read_some(void* data, std::size_t size, error_code& ec);
    /// Waits until data (or end of stream) can be read; false on deadline.
    bool wait_readable(clock::time_point deadline, error_code& ec);

    /// Ends the stream towards the other end (it reads end-of-stream) while this end can still
    /// read, and while another thread may be blocked reading it (a close would not wake it).
    void shutdown_send() noexcept;

    native_handle native() const noexcept { return handle_; }
    static native_handle invalid() noexcept;
    /// Gives up the handle (to an Asio stream, say) without closing it.
    native_handle release() noexcept
    {
        const native_handle h = handle_;
        handle_ = invalid();
        return h;
    }
    bool is_open() const noexcept;
    void close() noexcept;

private:
    native_handle handle_ = invalid();
};

/// What `send_handle` writes into the message for `h`: Windows: a duplicate of it made in the
/// process `destination`; POSIX: `h` itself (the descriptor rides on the socket).
std::uint64_t handle_for(native_handle h, pid_type destination, error_code& ec);
/// The handle `recv_handle` hands out, from what rode on the bytes and what the message held.
native_handle received_handle(native_handle attached, std::uint64_t in_message, error_code& ec);
/// A bound endpoint that connections arrive on (listener.hpp): a listening socket, or on
/// Windows the name of a pipe and its next instance.
class listen_endpoint
{
public:
    listen_endpoint() = default;
    listen_endpoint(const listen_endpoint&) = delete;
    listen_endpoint& operator=(const listen_endpoint&) = delete;
    ~listen_endpoint();

    /// Binds `where` and listens; an empty name or port 0 get fresh ones (`local_address`).
    void open(const address& where, int backlog, error_code& ec);
    /// Waits for the next connection.
    channel accept(error_code& ec);
    const address& local_address() const noexcept { return address_; }
    bool is_open() const noexcept;
    /// Stops listening; a socket file is removed.
    void close() noexcept;

private:
    native_handle handle_ = channel::invalid();
    address address_;
};

/// A connection to the endpoint at `where`.
channel connect_to(const address& where, error_code& ec);

/// `n` bytes from the system's cryptographic random source.
std::string random_bytes(std::size_t n, error_code& ec);
/// HMAC-SHA256 of `message` under `key` (32 bytes): OpenSSL on POSIX, BCrypt on Windows.
std::string hmac_sha256(std::string_view key, std::string_view message, error_code& ec);

/// One message's bytes moved in steps that never block, for the Asio operations: between steps
/// the caller waits on `duplicate_wait_handle()`. POSIX: each step is a non-blocking send or
/// recv and the wait is for the descriptor's readiness. Windows: a step starts or collects one
/// overlapped transfer and the wait is for its event.
class channel_step
{
public:
    channel_step(native_handle channel, bool write, error_code& ec);
    ~channel_step(); // Windows: cancels a transfer in flight and waits for it to end
    channel_step(const channel_step&) = delete;
    channel_step& operator=(const channel_step&) = delete;

    /// Moves what it can of `data[0, size)` now: true with `moved` set (0 is possible on
    /// Windows), or false when the caller must wait before calling again with the same buffer.
    bool step(void* data, std::size_t size, std::size_t& moved, error_code& ec);
    /// A new handle to wait on (the caller closes it): the descriptor (POSIX) or the event.
    native_handle duplicate_wait_handle(error_code& ec) const;
    /// Windows: cancels the transfer in flight and returns the bytes it moved anyway (the
    /// caller must account for them). POSIX: 0, nothing is ever in flight.
    std::size_t cancel() noexcept;

private:
    native_handle channel_;
    bool write_;
#if defined(MULTIPROC_WINDOWS)
    struct overlapped_state;
    std::unique_ptr<overlapped_state> overlapped_;
#endif
};

/// The executor Boost.Process v2 wants for its process handles. It is never run: waits are
/// synchronous.
boost::asio::io_context& process_context();

/// A child process, on Boost.Process v2. Reaping happens in `wait_until` and `running`.
class child
{
public:
    child();
    child(child&&) noexcept;
    child& operator=(child&&) noexcept;
    ~child();

    /// Starts `executable args...`, with stdio inherited, the `inherit` handles passed on
    /// (under the same values) and `spawned_marker` set in its environment. The child dies with
    /// its parent.
    static child spawn(const std::string& executable, const std::vector<std::string>& args,
                       const std::vector<native_handle>& inherit, error_code& ec);
#if defined(MULTIPROC_POSIX)
    /// Takes charge of a child made by `fork_process`.
    static child adopt(pid_type pid, error_code& ec);
#endif

    pid_type id() const noexcept;
    /// The handle that becomes ready when the child exits (owned by this object): the pidfd
    /// on Linux, the process handle on Windows; invalid where there is none (old kernels).
    native_handle exit_handle() const noexcept;
    /// A new handle (the caller closes it) that becomes ready when the child exits: a pidfd on
    /// Linux, the process handle on Windows; invalid where there is none (old kernels).
    native_handle duplicate_exit_handle(error_code& ec) const;
    /// Waits for the exit until the deadline, without reaping; true once the child has exited.
    bool wait_exit(clock::time_point deadline, error_code& ec);
    /// Reaps the child if it has exited; false once it has.
    bool running(error_code& ec);
    /// After reaping: the exit code, or -signal (POSIX).
    std::optional<int> exit_code() const noexcept;
    void interrupt(error_code& ec); // SIGINT / TerminateProcess
    void terminate(error_code& ec); // SIGTERM / TerminateProcess
    void kill(error_code& ec);      // SIGKILL / TerminateProcess

private:
#if defined(MULTIPROC_WINDOWS)
    void end_with(unsigned long exit_code, error_code& ec);
#endif
    struct impl;
    std::unique_ptr<impl> impl_;
};

#if defined(MULTIPROC_POSIX)
/// fork() with stdio flushed and Asio told; with `die_with_parent` the child gets the
/// parent-death signal and exit() there skips the parent's exit handlers. Returns 0 in the
/// child, the child's id in the parent.
pid_type fork_process(bool die_with_parent, error_code& ec);
/// Waits for a forked child and returns its Python-style exit code.
int wait_pid(pid_type pid, error_code& ec);
#endif

/// True where a channel's handle can be given to wait_any (POSIX sockets); false where it
/// cannot (Windows: a named pipe is not signalled by arriving data; PeekNamedPipe looks).
#if defined(MULTIPROC_WINDOWS)
inline constexpr bool channels_waitable = false;
#else
inline constexpr bool channels_waitable = true;
#endif

/// The invalid handle: -1 on POSIX, INVALID_HANDLE_VALUE on Windows.
native_handle invalid_handle() noexcept;
/// Closes a descriptor or handle; the invalid one is ignored.
void close_handle(native_handle h) noexcept;
/// Waits until one of `handles` is ready (POSIX: readable or hung up; Windows: signalled) or
/// the deadline passes; true if one is. On Windows beyond 64 handles only the first 64 are
/// watched (callers that have more look at the rest themselves).
bool wait_any(const std::vector<native_handle>& handles, clock::time_point deadline,
              error_code& ec);
/// A new handle (close it with close_handle) that becomes ready when `parent`, the process
/// that started this one, exits; invalid (ec clear) if it has exited already, or where no
/// such handle exists (then `ec` is `error::not_supported`). A process id is only a number:
/// a process found under it is taken for the parent only if it still is (POSIX: getppid) or
/// is older than this one (Windows).
native_handle open_parent_exit_handle(pid_type parent, error_code& ec);
/// True while `parent`, the process that started this one, runs (as above).
bool parent_alive(pid_type parent) noexcept;

pid_type current_pid() noexcept;
pid_type parent_pid() noexcept;
/// True once process `pid` has ended, reaped or not (a zombie has ended). A process of
/// another user that runs has not.
bool process_ended(pid_type pid) noexcept;
unsigned cpu_count() noexcept;
/// The path of the running program.
std::string program_path();
/// Flushes C and C++ standard output and error.
void flush_stdio() noexcept;
/// Ends the process at once, without running atexit handlers or destructors.
[[noreturn]] void quick_exit(int code) noexcept;

/// In a spawned child: a thread that ends the process at once when the parent's end of the
/// channel closes (the parent died), for systems without a parent-death signal.
/// True if `c` is a channel this process's parent made (POSIX: a socketpair whose recorded
/// maker is the parent). A spawned child takes work only over such a channel: nobody else can
/// connect to an unnamed socket, so no key is needed on top (one sent over the channel could
/// be read only by its two ends; one in argv or the environment could be read by others).
bool made_by_parent(const channel& c) noexcept;
void exit_when_closed(const channel& to_parent);

/// Starts this process's name reaper: a process of its own that waits until this process and
/// every copy of it made by fork() have ended, however they ended, then removes the names of
/// the system's shared objects that start with `prefix` (Linux: /dev/shm) and exits. It is
/// nobody's child (a subreaper adopts it), sits in a session of its own (Ctrl-C on the
/// terminal does not reach it) and holds none of this process's descriptors. Best effort: a
/// reaper that cannot start leaves the names to the destructors and to the next run's sweep.
/// Windows: nothing to start, a native named object goes with its last handle.
void start_name_reaper(const std::string& prefix) noexcept;

/// A named block of shared memory, mapped whole: the body of a segment. POSIX: a shm_open
/// object created 0600 whatever the umask, whose name stays until removed; Windows: a
/// pagefile-backed named file mapping with the creating user's default security, which the
/// system removes with its last handle. Creating and opening throw
/// boost::interprocess::interprocess_exception.
class shared_mapping
{
public:
    virtual ~shared_mapping() = default;
    virtual void* address() const noexcept = 0;
    virtual std::size_t size() const noexcept = 0;
};
/// A new block of `size` zero bytes; if it cannot be mapped, its name is removed again.
std::unique_ptr<shared_mapping> create_shared_mapping(const std::string& name, std::size_t size);
std::unique_ptr<shared_mapping> open_shared_mapping(const std::string& name);
/// Removes a block's name (POSIX); false on Windows, where it goes with its last handle.
bool remove_shared_mapping(const std::string& name) noexcept;

/// Where Boost.Interprocess keeps its POSIX-style objects (the queue's): /dev/shm on Linux, a
/// directory of files on Windows; empty where the system does not show them.
std::string shared_object_directory() noexcept;
/// Removes one of those objects by name; true if it was there.
bool remove_shared_object(const std::string& name) noexcept;

/// This process's stdout sent into a pipe instead, until destroyed (then it is restored):
/// what an MPI worker rank prints is read back and forwarded to rank 0. POSIX only (the MPI
/// pool is built there only).
class stdout_capture
{
public:
    /// `ec` is set if stdout cannot be redirected; then nothing changed.
    explicit stdout_capture(error_code& ec);
    stdout_capture(const stdout_capture&) = delete;
    stdout_capture& operator=(const stdout_capture&) = delete;
    ~stdout_capture();
    /// What was printed and not read yet, at most `size` bytes; 0 if nothing. Never blocks.
    std::size_t read_some(char* data, std::size_t size) noexcept;

private:
    native_handle original_ = channel::invalid(); // stdout as it was
    native_handle read_end_ = channel::invalid();
};

/// The managed shared memory a queue's arena is, with `Algorithm` its allocator; its
/// definition comes with `#include MULTIPROC_OS_MANAGED_MEMORY_HEADER`. Windows: a named file
/// mapping, which goes with its last handle (Boost's POSIX-style objects are files there, left
/// behind by a killed process). POSIX: a shm object, whose name stays until it is removed
/// (`shared_memory_names_persist`).
#if defined(MULTIPROC_WINDOWS)
#define MULTIPROC_OS_MANAGED_MEMORY_HEADER <boost/interprocess/managed_windows_shared_memory.hpp>
#define MULTIPROC_OS_MANAGED_MEMORY basic_managed_windows_shared_memory
inline constexpr bool shared_memory_names_persist = false;
#else
#define MULTIPROC_OS_MANAGED_MEMORY_HEADER <boost/interprocess/managed_shared_memory.hpp>
#define MULTIPROC_OS_MANAGED_MEMORY basic_managed_shared_memory
inline constexpr bool shared_memory_names_persist = true;
#endif
template <class Algorithm>
using managed_memory =
    boost::interprocess::MULTIPROC_OS_MANAGED_MEMORY<char, Algorithm,
                                                     boost::interprocess::iset_index>;

/// The parent's end of a channel as an Asio stream (`channel_stream`, `assign_channel_stream`,
/// `write_now`): `#include MULTIPROC_OS_CHANNEL_STREAM_HEADER` from a file in source/<room>/, so
/// that only the pool's sources compile that part of Asio.
#if defined(MULTIPROC_WINDOWS)
#define MULTIPROC_OS_CHANNEL_STREAM_HEADER "../windows/channel_stream.hpp"
#else
#define MULTIPROC_OS_CHANNEL_STREAM_HEADER "../posix/channel_stream.hpp"
#endif

/// The permissions of a shared memory object that only this user may open: POSIX 0600 (Boost
/// sets them after creating, whatever the umask); Windows the default security descriptor,
/// the creating user's.
boost::interprocess::permissions owner_only_permissions();

/// Environment variable access, one place for the platform differences.
std::optional<std::string> get_env(const char* name);
void set_env(const char* name, const char* value);
void unset_env(const char* name);

} // namespace multiproc::detail::os

#endif
