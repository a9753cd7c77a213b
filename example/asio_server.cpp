// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
//
// A small TCP server on the loopback interface that offloads CPU-heavy requests to a pool of
// worker processes and stays responsive: the pool runs on the server's own io_context, and each
// heavy request's result comes back through a completion handler, so a cheap request is
// answered at once while heavy ones run. The nearest Python (asyncio + a process pool):
//
//     def count_primes(n): ...                  # trial division: seconds of CPU for large n
//
//     async def serve(reader, writer):
//         while line := await reader.readline():
//             words = line.split()
//             if words == [b'ping']:
//                 writer.write(b'pong\n')
//             elif words[0] == b'primes':
//                 n = int(words[1])
//                 count = await loop.run_in_executor(pool, count_primes, n)
//                 writer.write(b'primes %d = %d\n' % (n, count))
//
//     with concurrent.futures.ProcessPoolExecutor(2) as pool:
//         server = await asyncio.start_server(serve, '127.0.0.1', port)
//
// Usage: asio_server [--port P] [--workers N]. P 0 (the default) takes a free port; the server
// prints "listening on 127.0.0.1:P" once it accepts connections. One request per line, one
// answer line each:
//
//     ping        -> pong                    (on the server's thread, at once)
//     primes N    -> primes N = COUNT        (the primes below N, counted in a worker;
//                                             N at most 100000000)
//     shutdown    -> bye                     (stops accepting and taking heavy requests; exits
//                                             once every open connection has closed)
//     other       -> error: ...
//
// SIGINT and SIGTERM stop it as `shutdown` does. One thread runs everything here (main's
// io.run()): the acceptor, every connection, the pool's supervisor and the signal set.

#include <multiproc/init.hpp>
#include <multiproc/pool.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include <csignal>
#include <cstdint>
#include <cstring>
#include <iostream>
#include <istream>
#include <memory>
#include <sstream>
#include <string>

namespace mp = multiproc;
namespace asio = boost::asio;
using asio::ip::tcp;

// The CPU-heavy request: the number of primes below n, by trial division (slow on purpose).
std::uint64_t count_primes(std::uint64_t n)
{
    std::uint64_t count = 0;
    for (std::uint64_t k = 2; k < n; ++k) {
        bool prime = true;
        for (std::uint64_t d = 2; d * d <= k; ++d) {
            if (k % d == 0) {
                prime = false;
                break;
            }
        }
        count += prime;
    }
    return count;
}
MULTIPROC_TASK(count_primes)

namespace {

// A request's bound, so that no client can occupy a worker for hours.
constexpr std::uint64_t max_primes_below = 100000000;

// What is shared by the connections: the pool, and whether the server is stopping.
struct server
{
    mp::pool& pool;
    tcp::acceptor acceptor;
    asio::signal_set signals;

    server(asio::io_context& context, mp::pool& p, unsigned short port)
        : pool(p), acceptor(context, {asio::ip::address_v4::loopback(), port}),
          signals(context, SIGINT, SIGTERM)
    {}

    void stop()
    {
        boost::system::error_code ignored;
        acceptor.close(ignored);
        signals.cancel(ignored);
        pool.close(); // the workers exit once the requests they run are answered
    }
};

// One client: reads a request, answers it, reads the next. Every handler runs on io's thread.
class connection : public std::enable_shared_from_this<connection>
{
public:
    connection(server& s, tcp::socket socket) : server_(s), socket_(std::move(socket)) {}

    void read_request()
    {
        asio::async_read_until(
            socket_, input_, '\n',
            [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                if (!ec)
                    self->handle_request();
            });
    }

private:
    void handle_request()
    {
        std::istream in(&input_);
        std::string line;
        std::getline(in, line);
        std::istringstream words(line);
        std::string command;
        words >> command;
        std::uint64_t n = 0;
        if (command == "ping") {
            answer("pong");
        } else if (command == "primes") {
            if (!(words >> n)) {
                answer("error: primes N takes a number N");
            } else if (n > max_primes_below) {
                answer("error: primes N takes N up to " + std::to_string(max_primes_below));
            } else {
                count_in_pool(n);
            }
        } else if (command == "shutdown") {
            server_.stop();
            answer("bye");
        } else {
            answer("error: unknown request '" + line + "'");
        }
    }

    // Off this thread: a pool worker counts; the handler runs here once it is done.
    void count_in_pool(std::uint64_t n)
    {
        try {
            server_.pool.apply_async(
                count_primes, n,
                [self = shared_from_this(), n](mp::error_code ec, std::uint64_t count) {
                    if (ec)
                        self->answer("error: " + ec.message());
                    else
                        self->answer("primes " + std::to_string(n) + " = " + std::to_string(count));
                });
        } catch (const mp::system_error& e) { // error::pool_closed once shutting down
            answer(std::string("error: ") + e.what());
        }
    }

    void answer(std::string text)
    {
        output_ = std::move(text) + '\n';
        asio::async_write(socket_, asio::buffer(output_),
                          [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                              if (!ec)
                                  self->read_request();
                          });
    }

    server& server_;
    tcp::socket socket_;
    asio::streambuf input_;
    std::string output_;
};

void accept(server& s)
{
    s.acceptor.async_accept([&s](boost::system::error_code ec, tcp::socket socket) {
        if (ec)
            return; // closed: the server is stopping
        std::make_shared<connection>(s, std::move(socket))->read_request();
        accept(s);
    });
}

} // namespace

int main(int argc, char* argv[])
{
    mp::init(argc, argv); // in a worker: runs its tasks and exits; here: returns

    unsigned short port = 0;
    std::size_t workers = 2;
    for (int i = 1; i < argc; i += 2) {
        const bool has_value = i + 1 < argc;
        if (has_value && std::strcmp(argv[i], "--port") == 0) {
            port = static_cast<unsigned short>(std::stoul(argv[i + 1]));
        } else if (has_value && std::strcmp(argv[i], "--workers") == 0) {
            workers = std::stoul(argv[i + 1]);
        } else {
            std::cerr << "usage: asio_server [--port P] [--workers N]\n";
            return 2;
        }
    }

    asio::io_context io;
    mp::pool pool(io, workers); // no thread of its own: it runs while io runs
    server s(io, pool, port);
    s.signals.async_wait([&s](boost::system::error_code ec, int) {
        if (!ec)
            s.stop();
    });
    accept(s);
    std::cout << "listening on 127.0.0.1:" << s.acceptor.local_endpoint().port() << std::endl;

    io.run(); // until stopped, every answer written and every worker gone
    pool.join();
    std::cout << "stopped" << std::endl;
}
