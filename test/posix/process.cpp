// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
// Process cases that exist on POSIX only: the descriptors a spawned child holds, and the fork
// start method's lambdas. The rest is in ../process.cpp; the suite is the same.

#include <multiproc/process.hpp>

#include <multiproc/pipe.hpp>
#include <multiproc/pool.hpp>

#include "../test_util.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace mp = multiproc;
using test_util::temp_file;
using test_util::with_method;

namespace {

// The open descriptors of this process below 1024, each as "N:s" (a socket) or "N:o" (anything
// else); probed with fcntl, which opens none itself.
std::vector<std::string> open_descriptors()
{
    std::vector<std::string> open;
    for (int fd = 0; fd < 1024; ++fd) {
        struct stat st
        {
        };
        if (::fcntl(fd, F_GETFD) != -1 && ::fstat(fd, &st) == 0)
            open.push_back(std::to_string(fd) + (S_ISSOCK(st.st_mode) ? ":s" : ":o"));
    }
    return open;
}
MULTIPROC_TASK(open_descriptors)

void report_descriptors(std::string path, mp::connection /*held, to be counted*/)
{
    std::string text;
    for (const auto& fd : open_descriptors())
        text += fd + ' ';
    test_util::write_file(path, text);
}
MULTIPROC_TASK(report_descriptors)

// What a spawned child must hold: stdin, stdout, stderr and `sockets` sockets (its channel and
// the connections passed to it), whatever the numbers of the sockets.
bool only_stdio_and_sockets(const std::vector<std::string>& fds, std::size_t sockets)
{
    std::size_t seen_sockets = 0;
    for (std::size_t i = 0; i < fds.size(); ++i) {
        const bool stdio = i < 3 && fds[i].rfind(std::to_string(i) + ':', 0) == 0;
        if (!stdio && fds[i].substr(fds[i].size() - 2) != ":s")
            return false;
        seen_sockets += stdio ? 0 : 1;
    }
    return fds.size() >= 3 && seen_sockets == sockets;
}

std::size_t count_sockets(const std::vector<std::string>& fds)
{
    return static_cast<std::size_t>(std::count_if(
        fds.begin(), fds.end(), [](const auto& fd) { return fd.substr(fd.size() - 2) == ":s"; }));
}

std::vector<std::string> split_words(const std::string& text)
{
    std::vector<std::string> words;
    std::istringstream in(text);
    for (std::string w; in >> w;)
        words.push_back(w);
    return words;
}

} // namespace

BOOST_AUTO_TEST_SUITE(process_tests)

// Issue 16: stray inheritable descriptors of the parent, one below the channels' numbers and
// one above, reached some spawned children and not others. Each child must hold exactly its
// stdio, its channel and the connection passed to it; a pool worker (spawned too) its stdio
// and its channel, and what it opens itself (its shared memory). The strays are sockets, so
// that one reaching a worker shows among what it opened.
BOOST_AUTO_TEST_CASE(spawned_children_hold_only_their_descriptors)
{
    auto [stray_a, stray_b] = mp::pipe();
    const int socket_fd = static_cast<int>(mp::detail::connection_wait_handle(stray_a));
    const int low = ::dup(socket_fd); // the lowest free number: below every channel made after
    const int high = ::dup2(socket_fd, 900);
    BOOST_REQUIRE(low >= 0);
    BOOST_REQUIRE(high == 900);
    stray_a.close();
    stray_b.close();
    for (int i = 0; i < 5; ++i) {
        temp_file out("fds");
        auto [here, there] = mp::pipe();
        mp::process p(report_descriptors, out.path(), there);
        p.start();
        p.join();
        const auto fds = split_words(out.read());
        BOOST_TEST_INFO("child " << i << ": " << out.read() << "(strays " << low << ", " << high
                                 << ")");
        BOOST_TEST(only_stdio_and_sockets(fds, 2));
    }
    {
        mp::pool workers(2);
        for (int i = 0; i < 4; ++i) {
            const auto fds = workers.apply(open_descriptors);
            std::string all;
            for (const auto& fd : fds)
                all += fd + ' ';
            BOOST_TEST_INFO("worker: " << all << "(strays " << low << ", " << high << ")");
            BOOST_TEST(count_sockets(fds) == 1u);
        }
    }
    ::close(low);
    ::close(high);
}

BOOST_AUTO_TEST_CASE(fork_method_runs_a_capturing_lambda)
{
    temp_file out("lambda");
    const std::string greeting = "captured";
    auto unique = std::make_unique<int>(5); // move-only arguments work too
    mp::process p(
        with_method(mp::start_method::fork),
        [&out, greeting](std::unique_ptr<int>& n) {
            test_util::write_file(out.path(), greeting + std::to_string(*n));
        },
        std::move(unique));
    p.start();
    p.join();
    BOOST_TEST(out.read() == "captured5");
    BOOST_TEST(p.exit_code().value() == 0);
}

BOOST_AUTO_TEST_CASE(global_start_method_is_used_by_default)
{
    BOOST_TEST((mp::get_start_method() == mp::start_method::spawn));
    mp::set_start_method(mp::start_method::fork);
    temp_file out("global_method");
    mp::process p([&out] { test_util::write_file(out.path(), "forked"); });
    mp::set_start_method(mp::start_method::spawn);
    p.start();
    p.join();
    BOOST_TEST(out.read() == "forked");
}

BOOST_AUTO_TEST_SUITE_END()
