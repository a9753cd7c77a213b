// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_LISTENER_HPP
#define MULTIPROC_LISTENER_HPP

/// @file
/// `listener` and `client`: Python's `multiprocessing.connection.Listener` and `Client`, with
/// the authkey challenge; `send_handle` and `recv_handle`: Python's
/// `multiprocessing.reduction.send_handle` and `recv_handle`.

#include <multiproc/detail/config.hpp>

#include <multiproc/error.hpp>
#include <multiproc/pipe.hpp>
#include <multiproc/this_process.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

namespace multiproc {

/// Python's address families: `AF_UNIX`, `AF_INET`, `AF_PIPE`.
enum class address_family
{
    unix_socket, ///< a socket file (POSIX): `address::name` is its path
    tcp,         ///< TCP: `address::name` is the host ("127.0.0.1"), `address::port` the port
    named_pipe,  ///< a named pipe (Windows): `address::name` is `\\.\pipe\NAME`
};

/// Where a `listener` listens and a `client` connects. An empty `name` given to a `listener`
/// asks for a fresh address of the family (Python's `arbitrary_address`): a new socket file in
/// the temporary directory, a new pipe name, or for TCP "127.0.0.1"; TCP port 0 asks for a free
/// port. On Linux a `unix_socket` name starting with NUL is in the abstract namespace.
struct address
{
    address_family family = default_family(); ///< how `name` and `port` are read
    std::string name;       ///< the socket file's path, the TCP host, or the pipe's name
    std::uint16_t port = 0; ///< the TCP port (0: one the system chooses)

    /// A socket file at `path` (Python's AF_UNIX address); empty: a fresh one.
    static address unix_socket(std::string path = {})
    {
        return {address_family::unix_socket, std::move(path), 0};
    }
    /// TCP on `host` and `port` (Python's `(host, port)`); port 0: one the system chooses.
    static address tcp(std::string host = "127.0.0.1", std::uint16_t port = 0)
    {
        return {address_family::tcp, std::move(host), port};
    }
    /// A named pipe `\\.\pipe\NAME` (Python's AF_PIPE address); empty: a fresh one.
    static address named_pipe(std::string name = {})
    {
        return {address_family::named_pipe, std::move(name), 0};
    }

    /// An address crosses to a `process` as an argument (Boost.Serialization).
    template <class Archive>
    void serialize(Archive& archive, unsigned)
    {
        archive& family& name& port;
    }

    /// The family Python uses when none is given: named pipes on Windows, else `unix_socket`.
    static constexpr address_family default_family() noexcept
    {
        return detail::on_windows ? address_family::named_pipe : address_family::unix_socket;
    }
};

/// Settings of a `listener` or a `client`.
struct listener_options
{
    /// With a key, each side proves it to the other before a connection is handed out
    /// (Python's authkey: HMAC-SHA256 of a random challenge, the server first, then the
    /// client); a peer with another key gets `error::authentication_failed`, on both sides.
    /// Without one, as in Python, there is no authentication: anyone who can reach the
    /// address can connect.
    std::optional<std::string> authkey;
    /// Connections the system queues before `accept` takes them (Python's backlog).
    int backlog = 1;
};

/// A bound, listening endpoint (Python's `Listener`). A `unix_socket` listener's socket file
/// is created owner-only (0600) and removed when the listener closes.
class MULTIPROC_DECL listener
{
public:
    /// Listens on `where` (see `address` for the defaults).
    explicit listener(const address& where = {}, const listener_options& options = {});
    /// As above, with the failure in `ec` instead of thrown; the listener is then closed.
    listener(const address& where, const listener_options& options, error_code& ec);
    /// Takes over the endpoint of `other`, which is then closed.
    listener(listener&& other) noexcept;
    /// Closes this listener and takes over the endpoint of `other`.
    listener& operator=(listener&& other) noexcept;
    ~listener();

    /// Waits for a client and returns its connection once it has authenticated (with an
    /// authkey). A client that fails the challenge is refused (`error::authentication_failed`)
    /// and nothing it sent beyond its answer is read.
    connection accept();
    /// As above, with the failure in `ec` instead of thrown.
    connection accept(error_code& ec);

    /// The address listened on, with the TCP port the system chose for port 0.
    address local_address() const;
    /// Stops listening; a unix_socket's file is removed.
    void close() noexcept;
    /// True once closed.
    bool closed() const noexcept;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

/// Connects to a `listener` (Python's `Client`), answering and then delivering the challenge
/// when `options.authkey` is set. `error::not_supported` for a family this platform lacks.
MULTIPROC_DECL connection client(const address& where, const listener_options& options = {});
/// As above, with the failure in `ec` instead of thrown.
MULTIPROC_DECL connection client(const address& where, const listener_options& options,
                                 error_code& ec);

/// Sends an open descriptor (POSIX) or handle (Windows) over `c`; the receiving process gets
/// its own copy from `recv_handle`, and `handle` stays open here. POSIX: SCM_RIGHTS, so `c` must
/// be an AF_UNIX connection (a `pipe()` or a `unix_socket` listener's). Windows: the handle is
/// duplicated into `destination` (the receiver's process id), as Python's DupHandle does.
MULTIPROC_DECL void send_handle(connection& c, std::intptr_t handle, pid_type destination);
/// As above, with the failure in `ec` instead of thrown.
MULTIPROC_DECL void send_handle(connection& c, std::intptr_t handle, pid_type destination,
                                error_code& ec);
/// Receives what one `send_handle` sent: a descriptor or handle the caller owns and closes.
/// Another message is `error::signature_mismatch` and stays to be received.
MULTIPROC_DECL std::intptr_t recv_handle(connection& c);
/// As above, with the failure in `ec` instead of thrown.
MULTIPROC_DECL std::intptr_t recv_handle(connection& c, error_code& ec);

} // namespace multiproc

#endif
