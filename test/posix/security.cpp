// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
//
// Who may talk to our processes and objects: named objects are the owner's alone, a spawned
// child takes work only from its parent, and a worker fed hostile frames reports an error and
// exits without running anything unregistered. POSIX (Linux) only: the checks use /dev/shm,
// setuid and raw socketpairs; Windows builds no such suite.

#include <multiproc/async_pipe.hpp>
#include <multiproc/pipe.hpp>
#include <multiproc/queue.hpp>
#include <multiproc/shared_memory.hpp>
#include <multiproc/sync.hpp>

#include "../test_util.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <set>
#include <thread>
#include <string>
#include <vector>

#include "../../source/detail/frame.hpp"
#include "../../source/detail/frame_ring.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace mp = multiproc;
using namespace std::chrono_literals;

namespace {

// A registered task that leaves a mark: hostile frames must never get it run wrongly.
void security_mark(std::string path)
{
    test_util::write_file(path, "ran");
}
MULTIPROC_TASK(security_mark)

int security_square(int x)
{
    return x * x;
}
MULTIPROC_TASK(security_square)

} // namespace

namespace md = multiproc::detail;

namespace {

std::string self_path()
{
    return std::filesystem::read_symlink("/proc/self/exe").string();
}

// Execs the test binary as a spawned child on `fd` (a raw `--multiproc-child` start), with its
// stderr in `err`. Called in a forked child; never returns.
[[noreturn]] void exec_child(int fd, const std::string& err)
{
    ::fcntl(fd, F_SETFD, 0);
    const int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(e, 2);
    const std::string exe = self_path();
    const std::string token = std::to_string(fd);
    ::execl(exe.c_str(), exe.c_str(), "--multiproc-child", token.c_str(), nullptr);
    ::_exit(127);
}

// A child started on one end of a socketpair; `through_middle`: by a process in between, so
// the socketpair's maker (this process) is not the child's parent.
struct raw_child
{
    int fd = -1;  // our end
    int pid = -1; // the child, or the process in between (which exits with the child's code)
    test_util::temp_file err{"security_err_" + std::to_string(counter())};

    static int& counter()
    {
        static int n = 0;
        return ++n, n;
    }

    explicit raw_child(bool through_middle = false, bool pipe_instead = false)
    {
        int ends[2];
        BOOST_TEST_REQUIRE(
            (pipe_instead ? ::pipe(ends) : ::socketpair(AF_UNIX, SOCK_STREAM, 0, ends)) == 0);
        const int child_end = pipe_instead ? ends[0] : ends[1];
        fd = pipe_instead ? ends[1] : ends[0];
        pid = ::fork();
        BOOST_TEST_REQUIRE(pid >= 0);
        if (pid == 0) {
            ::close(fd);
            if (!through_middle)
                exec_child(child_end, err.path());
            const int grandchild = ::fork();
            if (grandchild == 0)
                exec_child(child_end, err.path());
            int status = 0;
            ::waitpid(grandchild, &status, 0);
            ::_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
        }
        ::close(child_end);
    }
    ~raw_child()
    {
        if (fd >= 0)
            ::close(fd);
        if (pid > 0) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, nullptr, 0);
        }
    }
    raw_child(const raw_child&) = delete;
    raw_child& operator=(const raw_child&) = delete;

    void send(const std::string& bytes)
    {
        // MSG_NOSIGNAL: a child that already left is fine here.
        (void)::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    }
    void send(md::frame_kind kind, const std::string& body)
    {
        std::string frame;
        md::append_frame(frame, kind, body);
        send(frame);
    }
    // Reads n bytes, waiting at most 30 s; false at end of stream.
    bool read(char* out, std::size_t n)
    {
        while (n > 0) {
            pollfd p{fd, POLLIN, 0};
            if (::poll(&p, 1, 30000) <= 0)
                return false;
            const ssize_t got = ::recv(fd, out, n, 0);
            if (got <= 0)
                return false;
            out += got;
            n -= static_cast<std::size_t>(got);
        }
        return true;
    }
    // The next frame's kind and body; false at end of stream.
    bool receive(md::frame_kind& kind, std::string& body)
    {
        char header[md::frame_header_size];
        if (!read(header, sizeof header))
            return false;
        std::size_t size = 0;
        mp::error_code ec;
        kind = md::parse_frame_header(header, size, ec);
        BOOST_TEST_REQUIRE(!ec);
        body.resize(size);
        return read(body.data(), size);
    }
    // The exit code, waiting at most 30 s (-1: still running, then killed).
    int exit_code()
    {
        const auto deadline = std::chrono::steady_clock::now() + 30s;
        int status = 0;
        while (::waitpid(pid, &status, WNOHANG) == 0) {
            if (std::chrono::steady_clock::now() > deadline)
                return -1;
            std::this_thread::sleep_for(2ms);
        }
        pid = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    // Starts it as a pool worker: the worker frame (with its rings), then its `started`.
    void make_worker()
    {
        mp::error_code ec;
        rings = md::worker_rings::create(ec);
        BOOST_TEST_REQUIRE(!ec);
        send(md::frame_kind::worker, md::encode(md::worker_frame{"SecurityWorker", rings.name}));
        md::frame_kind kind{};
        std::string body;
        BOOST_TEST_REQUIRE(receive(kind, body));
        BOOST_TEST_REQUIRE((kind == md::frame_kind::started));
    }
    // A worker's next result, from its ring, waiting at most 30 s.
    bool receive_result(md::frame_kind& kind, std::string& body)
    {
        const auto deadline = std::chrono::steady_clock::now() + 30s;
        while (std::chrono::steady_clock::now() < deadline) {
            BOOST_TEST_REQUIRE(rings.results.read(results));
            std::size_t size = 0;
            mp::error_code ec;
            if (results.size() >= md::frame_header_size) {
                kind = md::parse_frame_header(results.data(), size, ec);
                BOOST_TEST_REQUIRE(!ec);
                BOOST_TEST_REQUIRE(results.size() >= md::frame_header_size + size);
                body.assign(results.data() + md::frame_header_size, size);
                results.erase(results.begin(), results.begin() + static_cast<std::ptrdiff_t>(
                                                                     md::frame_header_size + size));
                return true;
            }
            std::this_thread::sleep_for(1ms);
        }
        return false;
    }

    // Puts bytes into a worker's task ring (as its parent puts frames), and wakes it.
    void post(const std::string& bytes)
    {
        BOOST_TEST_REQUIRE(rings.tasks.try_write_frame(bytes));
        if (rings.tasks.take_wake_request())
            send(md::frame_kind::wake, {});
    }
    void post(md::frame_kind kind, const std::string& body)
    {
        std::string frame;
        md::append_frame(frame, kind, body);
        post(frame);
    }

    md::worker_rings rings;
    std::vector<char> results; // taken from the result ring, not yet received
};

// A task frame's body (encoded here: the frame only views its arguments).
std::string task_of(const std::string& name, const std::string& signature,
                    const std::string& arguments, std::uint32_t count = 1)
{
    md::task_frame t;
    t.id = 1;
    t.task = name;
    t.signature = signature;
    t.count = count;
    t.arguments = arguments;
    return md::encode(t);
}

template <class F>
std::string signature_of(F)
{
    return md::function_traits<F>::signature();
}

// `/dev/shm` entries made by this process.
std::vector<std::filesystem::path> our_names()
{
    std::vector<std::filesystem::path> found;
    const std::string prefix = "mp_" + std::to_string(::getpid()) + "_";
    for (const auto& entry : std::filesystem::directory_iterator("/dev/shm")) {
        const std::string name = entry.path().filename().string();
        if (name.rfind(prefix, 0) == 0 || name.rfind("sem." + prefix, 0) == 0)
            found.push_back(entry.path());
    }
    return found;
}

} // namespace

BOOST_AUTO_TEST_SUITE(security_tests)

BOOST_AUTO_TEST_CASE(named_objects_are_owner_only_and_closed_to_other_users)
{
    mp::shared_memory memory(mp::create_only, 4096);
    mp::mutex mutex(mp::create_only);
    mp::semaphore semaphore(mp::create_only, 1);
    mp::event event(mp::create_only);
    mp::queue<std::string> queue(4);
    queue.put(std::string(4096, 'x')); // too large for a slot: a segment of its own
    const auto names = our_names();
    BOOST_TEST_REQUIRE(names.size() >= 5u);
    for (const auto& path : names) {
        struct stat st
        {
        };
        BOOST_TEST_REQUIRE(::stat(path.c_str(), &st) == 0);
        BOOST_TEST((st.st_mode & 0777) == 0600u,
                   path << " has mode " << std::oct << (st.st_mode & 0777));
        BOOST_TEST(st.st_uid == ::geteuid(), path);
    }
    if (::geteuid() != 0) {
        BOOST_TEST_MESSAGE("not root: cannot become another user to try opening them");
        return;
    }
    // Another user (nobody) tries to open each one, directly and through the library.
    const pid_t other = ::fork();
    BOOST_TEST_REQUIRE(other >= 0);
    if (other == 0) {
        if (::setgid(65534) != 0 || ::setuid(65534) != 0)
            ::_exit(2);
        int opened = 0;
        for (const auto& path : names) {
            const int fd = ::open(path.c_str(), O_RDONLY);
            if (fd >= 0 || errno != EACCES)
                ++opened;
        }
        mp::error_code ec;
        mp::shared_memory attached(mp::open_only, memory.name(), ec);
        if (!ec)
            ++opened;
        ::_exit(opened == 0 ? 0 : 1);
    }
    int status = 0;
    ::waitpid(other, &status, 0);
    BOOST_TEST(WIFEXITED(status));
    BOOST_TEST(WEXITSTATUS(status) == 0, "another user could open " << WEXITSTATUS(status));
    BOOST_TEST(queue.get().size() == 4096u);
}

BOOST_AUTO_TEST_CASE(names_are_not_guessable)
{
    // Two objects of one process share the pid and random prefix, but the random part differs
    // between processes: it is drawn from the system's random source.
    mp::shared_memory a(mp::create_only, 16);
    const std::string name = a.name();
    BOOST_TEST(name.rfind("mp_" + std::to_string(::getpid()) + "_", 0) == 0u, name);
    const auto random_part = [](const std::string& n) { return n.substr(0, n.rfind('_')); };
    std::set<std::string> prefixes{random_part(name)};
    for (int i = 0; i < 8; ++i) {
        int ends[2];
        BOOST_TEST_REQUIRE(::pipe(ends) == 0);
        const pid_t pid = ::fork();
        if (pid == 0) {
            std::string n;
            { // removed again before _exit (no destructors run after it)
                mp::error_code ec;
                mp::shared_memory b(mp::create_only, 16, ec);
                n = ec ? std::string() : b.name();
            }
            (void)::write(ends[1], n.data(), n.size());
            ::_exit(0);
        }
        ::close(ends[1]);
        char buffer[256];
        const ssize_t n = ::read(ends[0], buffer, sizeof buffer);
        ::close(ends[0]);
        ::waitpid(pid, nullptr, 0);
        BOOST_TEST_REQUIRE(n > 0);
        const std::string other(buffer, static_cast<std::size_t>(n));
        const std::string prefix = random_part(other);
        BOOST_TEST(prefix.substr(prefix.rfind('_')) !=
                   random_part(name).substr(random_part(name).rfind('_')));
        prefixes.insert(prefix);
    }
    BOOST_TEST(prefixes.size() == 9u);
}

BOOST_AUTO_TEST_CASE(a_child_takes_work_only_from_its_parent)
{
    { // The parent's own socketpair: accepted.
        raw_child child;
        child.make_worker();
        child.post(md::frame_kind::stop, {});
        BOOST_TEST(child.exit_code() == 0);
    }
    // Made by another process than the child's parent, or not a socket: refused before reading.
    for (const bool pipe_instead : {false, true}) {
        raw_child child(!pipe_instead, pipe_instead);
        child.send(md::frame_kind::worker, md::encode(md::worker_frame{"Intruder", "none"}));
        BOOST_TEST(child.exit_code() == 1);
        const std::string err = child.err.read();
        BOOST_TEST(err.find("refused") != std::string::npos, err);
        BOOST_TEST_MESSAGE("channel not from the parent ("
                           << (pipe_instead ? "pipe" : "socketpair of another process")
                           << "): " << err);
    }
}

BOOST_AUTO_TEST_CASE(hostile_frames_get_an_error_and_run_nothing_unregistered)
{
    test_util::temp_file mark("security_mark");
    const std::string mark_sig = signature_of(security_mark);
    const std::string mark_args = md::encode_arguments(security_mark, mark.path());

    // Task frames the worker answers with an error result, then goes on serving.
    struct answered
    {
        const char* what;
        std::string task; // its frame's body
    };
    const std::vector<answered> answered_cases = {
        {"unregistered task", task_of("system", mark_sig, mark_args)},
        {"registered task, another signature",
         task_of("security_mark", signature_of(security_square), mark_args)},
        {"registered task, garbage arguments",
         task_of("security_mark", mark_sig, "\x7f\xff garbage")},
        {"registered task, 2^32-1 argument sets",
         task_of("security_square", signature_of(security_square),
                 md::encode_arguments(security_square, 3), 0xffffffffu)},
        {"registered task, no arguments",
         task_of("security_square", signature_of(security_square), "")},
    };
    for (const auto& c : answered_cases) {
        raw_child child;
        child.make_worker();
        child.post(md::frame_kind::task, c.task);
        md::frame_kind kind{};
        std::string body;
        BOOST_TEST_REQUIRE(child.receive_result(kind, body), c.what);
        BOOST_TEST_REQUIRE((kind == md::frame_kind::result), c.what);
        mp::error_code ec;
        const md::result_frame result = md::decode_result(body, ec);
        BOOST_TEST_REQUIRE(!ec);
        BOOST_TEST(!result.ok, c.what);
        BOOST_TEST_MESSAGE(c.what << ": " << result.exception_type << ": " << result.what);
        // Still serving: a good task, then stop.
        child.post(md::frame_kind::task, task_of("security_square", signature_of(security_square),
                                                 md::encode_arguments(security_square, 5)));
        BOOST_TEST_REQUIRE(child.receive_result(kind, body), c.what);
        BOOST_TEST(md::decode_result(body, ec).ok, c.what);
        child.post(md::frame_kind::stop, {});
        BOOST_TEST(child.exit_code() == 0, c.what);
        BOOST_TEST(!std::filesystem::exists(mark.path()), c.what << ": the task ran");
    }

    // Frames that break the stream, in the task ring or on the channel: the worker says why on
    // stderr and exits with 1.
    std::string task_header;
    md::append_frame(task_header, md::frame_kind::task, "");
    const std::string good_task = task_of("security_mark", mark_sig, mark_args);
    struct broken
    {
        const char* what;
        std::string bytes;
    };
    const auto frame = [](md::frame_kind kind, const std::string& body) {
        std::string out;
        md::append_frame(out, kind, body);
        return out;
    };
    const auto raw_header = [](std::uint32_t length, std::uint8_t kind) {
        std::string out;
        for (int i = 0; i < 4; ++i)
            out.push_back(static_cast<char>((length >> (8 * i)) & 0xff));
        out.push_back(static_cast<char>(kind));
        return out;
    };
    const std::vector<broken> broken_cases = {
        {"task frame cut short",
         frame(md::frame_kind::task, good_task.substr(0, good_task.size() / 2))},
        {"task frame with bytes after it", frame(md::frame_kind::task, good_task + "xx")},
        {"text length past the end",
         frame(md::frame_kind::task, std::string(8, '\0') + "\xff\xff\xff\x7f")},
        {"empty task frame", frame(md::frame_kind::task, "")},
        {"unknown kind 99", raw_header(1, 99)},
        {"kind 0", raw_header(1, 0)},
        {"length 0", raw_header(0, 5)},
        // A message of 1 GiB and its frame's fields, and one byte more.
        {"length over the largest frame",
         raw_header(static_cast<std::uint32_t>(md::max_frame_body()) + 2, 5)},
        {"length 1 GiB, then the stream ends", raw_header(1u << 30, 5) + "abc"},
        {"a run frame to a worker",
         frame(md::frame_kind::run,
               md::encode(md::run_frame{"x", "security_mark", mark_sig, mark_args}))},
        {"a result frame to a worker", frame(md::frame_kind::result, "")},
        {"random bytes", std::string("\x13\x37\xde\xad\xbe\xef\x00\x01garbage", 16)},
    };
    for (const bool in_ring : {true, false}) {
        for (const auto& c : broken_cases) {
            raw_child child;
            child.make_worker();
            if (in_ring)
                child.post(c.bytes);
            else
                child.send(c.bytes);
            ::shutdown(child.fd, SHUT_WR); // then the stream ends
            const int code = child.exit_code();
            const std::string err = child.err.read();
            const bool ended_stream =
                !in_ring && std::string(c.what).find("ends") != std::string::npos;
            // A stream that ends inside a frame is the parent going away: a quiet exit is fine.
            BOOST_TEST((code == 1 || (ended_stream && code == 0)),
                       c.what << ": exit " << code << " " << err);
            if (!ended_stream)
                BOOST_TEST(err.find("worker stopped") != std::string::npos, c.what << ": " << err);
            BOOST_TEST(!std::filesystem::exists(mark.path()), c.what << ": the task ran");
            BOOST_TEST_MESSAGE((in_ring ? "in the ring: " : "on the channel: ")
                               << c.what << ": exit " << code << ", " << err);
        }
    }
    { // A task on the channel that the ring does not announce is never run.
        raw_child child;
        child.make_worker();
        child.send(frame(md::frame_kind::task, good_task));
        ::shutdown(child.fd, SHUT_WR);
        BOOST_TEST(child.exit_code() == 0);
        BOOST_TEST(!std::filesystem::exists(mark.path()), "an unannounced task ran");
    }

    // A spawned child (not a worker) sent an unregistered task: refused, with the reason.
    {
        raw_child child;
        child.send(md::frame_kind::run,
                   md::encode(md::run_frame{"x", "system", mark_sig, mark_args}));
        md::frame_kind kind{};
        std::string body;
        BOOST_TEST_REQUIRE(child.receive(kind, body));
        BOOST_TEST_REQUIRE((kind == md::frame_kind::refused));
        mp::error_code ec;
        const md::refused_frame refusal = md::decode_refused(body, ec);
        BOOST_TEST((refusal.reason == mp::error::unregistered_task));
        BOOST_TEST(child.exit_code() == 1);
        BOOST_TEST_MESSAGE("run frame, unregistered task: " << refusal.message);
    }
    BOOST_TEST(!std::filesystem::exists(mark.path()));
}

BOOST_AUTO_TEST_CASE(a_pipe_message_header_alone_allocates_nothing)
{
    // A connection whose other end writes raw bytes: a header that claims the largest message
    // there is, then the end of the stream. Received blocking, then asynchronously.
    for (const bool async : {false, true}) {
        int fds[2];
        BOOST_TEST_REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
        mp::connection reader(md::import_connection(std::to_string(fds[0]) + ":rw"));
        char header[4] = {};
        const std::uint64_t length = mp::max_message_size; // of the body
        for (int i = 0; i < 4; ++i)
            header[i] = static_cast<char>(length >> (8 * i));
        BOOST_TEST_REQUIRE(::write(fds[1], header, sizeof header) == 4);
        ::close(fds[1]);
        test_util::reset_peak_rss();
        const long long before = test_util::peak_rss_kb();
        mp::error_code ec;
        if (async) {
            boost::asio::io_context io;
            mp::async_recv_bytes(reader, io, [&](mp::error_code e, std::string) { ec = e; });
            io.run_for(std::chrono::seconds(30));
        } else {
            reader.recv_bytes(ec);
        }
        BOOST_TEST((ec == mp::error::peer_closed), (async ? "async: " : "") << ec.message());
        // Not the 1 GiB it claimed, zero-filled before a byte of it came.
        if (!test_util::sanitized && before > 0)
            BOOST_TEST(test_util::peak_rss_kb() - before < 64 * 1024, (async ? "async" : ""));
    }
}

BOOST_AUTO_TEST_SUITE_END()
