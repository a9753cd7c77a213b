// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_TEST_OS_HPP
#define MULTIPROC_TEST_OS_HPP

// The tests' one interface to the operating system: each function and value is defined once
// per platform, in test/posix/test_os.cpp and test/windows/test_os.cpp (the build compiles the
// one of its platform). Tests ask these instead of writing #if.

#include <multiproc/detail/config.hpp>
#include <multiproc/listener.hpp>
#include <multiproc/process.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

// For the few lines of a portable test that name start_method::fork; whole POSIX tests live
// in test/posix/ instead. (config.hpp may come to define it for the library.)
#if defined(MULTIPROC_POSIX) && !defined(MULTIPROC_HAS_FORK)
#define MULTIPROC_HAS_FORK 1
#endif

namespace test_util {

/// Under ASan or TSan: their shadow memory and quarantine make resident sizes meaningless.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr bool sanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
inline constexpr bool sanitized = true;
#else
inline constexpr bool sanitized = false;
#endif
#else
inline constexpr bool sanitized = false;
#endif

// ---------------------------------------------------------------------------------------------
// What differs by platform only in a value.

/// Whether processes start slowly here (Windows, Wine above all): tests run fewer rounds.
extern const bool slow_process_start;
/// Whether pipes are slow here (Wine's named pipes): tests skip or shrink what moves GiB.
extern const bool slow_pipes;
/// Whether start_method::fork exists here (fork_if_any and all_methods say which to use).
extern const bool has_fork_method;
/// The exit code process::kill() and terminate() give a child, where the system fixes one
/// (POSIX: minus the signal, -9 and -15); none on Windows, where a test checks less.
extern const std::optional<int> kill_exit_code;
extern const std::optional<int> terminate_exit_code;

/// Whether this system's threads and peak memory are counted (Linux: /proc); tests that check
/// them check only here, and fail here if the count fails.
extern const bool counts_threads_and_memory;

/// Under Wine (the Windows CI harness), not Windows itself.
bool under_wine();

// ---------------------------------------------------------------------------------------------
// This process.

/// This process's id and its parent's, as the system names them; no parent id where the
/// system gives none a test can rely on (Windows: a program started from a Unix shell under
/// Wine has no Windows parent).
int system_process_id();
std::optional<int> system_parent_id();

/// The peak resident set size of this process in kB (Linux VmHWM), or -1.
long long peak_rss_kb();
/// The threads of this process (Linux: /proc/self/task); -1 elsewhere, where tests do not count.
long thread_count();
/// Resets the peak to the current RSS where Linux allows it (clear_refs 5), so that a check
/// sees its own test's peak, not an earlier test's.
void reset_peak_rss();

void set_env(const char* name, const char* value);
void unset_env(const char* name);

/// Ends this process as abruptly as the system can (SIGKILL; on Windows, the exit code
/// TerminateProcess gives a kill).
void die_abruptly();

/// Crashes take the system's default action, as in an uninstrumented build (POSIX: SIGSEGV
/// and SIGBUS to SIG_DFL, so that a sanitizer's handler does not report them as its own).
void default_crash_handling();
/// A fresh page that may not be read or written: touching it is a real invalid access (an
/// access violation on Windows).
void* inaccessible_page();

/// Makes stream 1 (stdout) or 2 (stderr) of this process unusable at the system level (POSIX:
/// closes the descriptor; Windows: clears the standard handle).
void close_std_stream(int stream);

/// Closes standard input at the system level too, after std::fclose(stdin) (POSIX: descriptor
/// 0; Windows has nothing more to close).
void close_stdin_descriptor();

/// True once the sentinel handle (process::sentinel()) is ready within `timeout`.
bool wait_for_sentinel(std::intptr_t sentinel, std::chrono::milliseconds timeout);

/// A TCP socket that children could inherit (POSIX: a descriptor of 50 or more without
/// FD_CLOEXEC; Windows: a handle marked inheritable), or -1; closed by close_socket.
std::intptr_t inheritable_socket();
void close_socket(std::intptr_t socket);
/// What using `socket` as a socket says here: "none" if it is one, else the system's error
/// name for "not a socket" (EBADF, WSAENOTSOCK) or "other".
std::string socket_probe(std::intptr_t socket);

// ---------------------------------------------------------------------------------------------
// Files, descriptors and handles (a descriptor on POSIX, a HANDLE on Windows, as an integer).

/// A file created (or truncated) for writing, not inherited by children; -1 (POSIX) or
/// INVALID_HANDLE_VALUE (Windows) if it cannot be.
std::intptr_t open_for_writing(const std::string& path);
/// True if all of `text` was written.
bool write_handle(std::intptr_t handle, const std::string& text);
void close_handle(std::intptr_t handle);
/// Takes every free descriptor below `n` (POSIX), so that the next one opened is above it;
/// Windows has no descriptor numbers to take.
void fill_descriptors_below(int n);

// ---------------------------------------------------------------------------------------------
// Listener families.

/// The families this platform has, each with a fresh address (CPython's connection.families:
/// AF_UNIX or AF_PIPE, and AF_INET).
std::vector<multiproc::address> every_family();
/// An address of the family this platform lacks (a named pipe on POSIX, a Unix socket on
/// Windows).
multiproc::address foreign_family_address();

// ---------------------------------------------------------------------------------------------
// Other processes (/proc on Linux, the process snapshot on Windows).

/// A state letter ('R' running, 'Z' exited but still known, ... ), or 0 if there is no process.
char process_state(int pid);
/// This process's children that are still known, with their process_state.
std::vector<std::pair<int, char>> child_states();
/// Children of this process that still run: (all, zombies); Windows has no zombies.
std::pair<int, int> count_children();
/// Orphaned descendants become children of this process instead of init's (POSIX).
void become_subreaper();
/// Reaps a (grand)child that was re-parented to this process (POSIX).
void reap(int pid);
/// True if `pid`, a child that was joined, is no longer running: gone (reaped) on POSIX, not
/// running on Windows (its object lives while any handle to it does).
bool is_joined(int pid);
/// Kills `pid` as abruptly as the system can (SIGKILL, TerminateProcess).
void kill_process(int pid);

/// The start methods this platform has: spawn, and fork on POSIX.
std::vector<multiproc::start_method> all_methods();
/// fork where the platform has it, spawn otherwise.
multiproc::start_method fork_if_any(bool fork);

/// Whether every shared-memory name is a file in /dev/shm (Linux), which tests may count.
extern const bool names_in_dev_shm;
/// Whether a name goes with its last handle (Windows), so that remove() cannot hasten it;
/// POSIX names stay until removed.
extern const bool names_go_with_last_handle;
/// The permission bits of /dev/shm/`name`, or -1 (not there, or not Linux).
int dev_shm_mode(const std::string& name);
/// Where names of ours can be listed: /dev/shm on Linux; on Windows the directory of
/// Boost.Interprocess's file-backed objects (named mappings go with their last handle).
std::filesystem::path shared_names_directory();
/// True if /dev/shm holds `name` (Linux). Elsewhere false: a name there goes with its last
/// handle, so tests check that attaching fails instead.
bool in_dev_shm(const std::string& name);
/// Shared-memory names of `pid` in /dev/shm (mp_<pid>_..., sem.mp_<pid>_...); none elsewhere.
std::vector<std::string> shm_names_of(int pid);

} // namespace test_util

#endif
