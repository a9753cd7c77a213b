// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
//
// Drives example/asio_server with concurrent clients (test/asio_server.cmake pipes the
// server's stdout into this program's stdin, so it learns the port from the server's first
// line). It checks:
//   - every answer: primes counted by the server's workers against a sieve computed here;
//   - responsiveness: while heavy requests occupy every worker, pings are answered, all of them
//     before the first heavy answer arrives;
//   - concurrent clients, each with several requests, all answered correctly;
//   - a bad request gets an error line, and `shutdown` stops the server cleanly ("stopped").
// Prints one summary line; exit status 1 with a reason on the first failure.

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <istream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace asio = boost::asio;
using asio::ip::tcp;
using clock_type = std::chrono::steady_clock;

namespace {

std::mutex failure_mutex;
std::string first_failure;

void fail(const std::string& why)
{
    std::lock_guard<std::mutex> lock(failure_mutex);
    if (first_failure.empty())
        first_failure = why;
}

// The number of primes below n, by a sieve (not the server's trial division).
std::uint64_t primes_below(std::uint64_t n)
{
    std::vector<bool> composite(n, false);
    std::uint64_t count = 0;
    for (std::uint64_t k = 2; k < n; ++k) {
        if (composite[k])
            continue;
        ++count;
        for (std::uint64_t m = k * k; m < n; m += k)
            composite[m] = true;
    }
    return count;
}

// A blocking client connection: one request line, one answer line.
class client
{
public:
    explicit client(unsigned short port) : socket_(io_)
    {
        socket_.connect({asio::ip::address_v4::loopback(), port});
    }
    std::string ask(const std::string& request)
    {
        asio::write(socket_, asio::buffer(request + '\n'));
        asio::read_until(socket_, input_, '\n');
        std::istream in(&input_);
        std::string line;
        std::getline(in, line);
        return line;
    }

private:
    asio::io_context io_;
    tcp::socket socket_;
    asio::streambuf input_;
};

std::string primes_answer(std::uint64_t n)
{
    return "primes " + std::to_string(n) + " = " + std::to_string(primes_below(n));
}

void expect(const std::string& what, const std::string& got, const std::string& expected)
{
    if (got != expected)
        fail(what + ": got '" + got + "', expected '" + expected + "'");
}

} // namespace

int main()
{
    std::string line;
    const std::string prefix = "listening on 127.0.0.1:";
    if (!std::getline(std::cin, line) || line.compare(0, prefix.size(), prefix) != 0) {
        std::cerr << "asio_server_client: no 'listening' line from the server, got '" << line
                  << "'\n";
        return 1;
    }
    const auto port = static_cast<unsigned short>(std::stoul(line.substr(prefix.size())));

    // 1. Heavy requests on every worker (and more queued), then pings while they run.
    const std::uint64_t heavy_n = 4000000;
    const std::string heavy_expected = primes_answer(heavy_n);
    const int heavy_clients = 4;
    std::atomic<int> heavy_sent{0};
    std::atomic<long long> first_heavy_answer{0}; // clock ticks; 0: none yet
    std::vector<std::thread> threads;
    for (int i = 0; i < heavy_clients; ++i) {
        threads.emplace_back([&] {
            try {
                client c(port);
                ++heavy_sent;
                const std::string got = c.ask("primes " + std::to_string(heavy_n));
                long long none = 0;
                first_heavy_answer.compare_exchange_strong(
                    none, clock_type::now().time_since_epoch().count());
                expect("heavy request", got, heavy_expected);
            } catch (const std::exception& e) {
                fail(std::string("heavy client: ") + e.what());
            }
        });
    }
    while (heavy_sent < heavy_clients)
        std::this_thread::yield();
    std::this_thread::sleep_for(std::chrono::milliseconds(200)); // the requests reach the pool
    std::chrono::duration<double, std::milli> slowest_ping{0};
    const int pings = 20;
    long long pings_done = 0;
    try {
        client c(port);
        for (int i = 0; i < pings; ++i) {
            const auto start = clock_type::now();
            expect("ping", c.ask("ping"), "pong");
            slowest_ping = std::max<std::chrono::duration<double, std::milli>>(
                slowest_ping, clock_type::now() - start);
        }
        pings_done = clock_type::now().time_since_epoch().count();
        expect("bad request", c.ask("frobnicate"), "error: unknown request 'frobnicate'");
        expect("bad number", c.ask("primes x"), "error: primes N takes a number N");
        expect("too large", c.ask("primes 100000001"), "error: primes N takes N up to 100000000");
    } catch (const std::exception& e) {
        fail(std::string("ping client: ") + e.what());
    }
    const long long heavy_at_pings_done = first_heavy_answer.load();
    if (heavy_at_pings_done != 0 && heavy_at_pings_done < pings_done)
        fail("not responsive: a heavy answer arrived before the pings were all answered");

    // 2. Concurrent clients, several mixed requests each, while the heavy ones finish.
    const int light_clients = 8;
    for (int i = 0; i < light_clients; ++i) {
        threads.emplace_back([&, i] {
            try {
                client c(port);
                for (int j = 0; j < 5; ++j) {
                    const std::uint64_t n = 1000 + 7919 * static_cast<std::uint64_t>(i * 5 + j);
                    expect("light request", c.ask("primes " + std::to_string(n)), primes_answer(n));
                    expect("ping between requests", c.ask("ping"), "pong");
                }
            } catch (const std::exception& e) {
                fail(std::string("light client: ") + e.what());
            }
        });
    }
    for (std::thread& t : threads)
        t.join();

    // 3. Shutdown: the server answers, then stops once everything is answered.
    try {
        client c(port);
        expect("shutdown", c.ask("shutdown"), "bye");
    } catch (const std::exception& e) {
        fail(std::string("shutdown: ") + e.what());
    }
    std::string last;
    while (std::getline(std::cin, line))
        last = line;
    expect("server's last line", last, "stopped");

    if (!first_failure.empty()) {
        std::cerr << "asio_server_client: " << first_failure << '\n';
        return 1;
    }
    std::cout << "asio_server: " << heavy_clients << " heavy requests (primes below " << heavy_n
              << "), " << light_clients << " clients x 10 light requests: all right; " << pings
              << " pings while every worker was busy, slowest "
              << static_cast<int>(slowest_ping.count()) << " ms" << std::endl;
    return 0;
}
