// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_SOURCE_DETAIL_RUNTIME_HPP
#define MULTIPROC_SOURCE_DETAIL_RUNTIME_HPP

// The process-wide state: who this process is, and the children it started (children.cpp,
// init.cpp, this_process.cpp, posix/fork.cpp; the state itself: runtime_state.hpp).

#include "frame.hpp"
#include "os.hpp"

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace multiproc::detail {

struct process_state;
struct task_entry;

/// Adds a started child; at normal exit daemons are terminated and the others joined.
void register_child(std::shared_ptr<process_state> child);
/// Drops a child once it has been reaped.
void forget_child(const process_state* child) noexcept;
/// Every child started and not yet forgotten.
std::vector<std::shared_ptr<process_state>> children();

/// Names this process (`this_process::name()`): a child takes the name its parent gave it.
void set_process_name(std::string name);
/// "Process-N", N counting from 1 in each process.
std::string next_process_name();

/// fork() for the library (POSIX: source/posix/fork.cpp): in the child, forgets the parent's
/// children and takes `child_name` (empty: keep the name). Returns as os::fork_process does.
pid_type fork_child(const std::string& child_name, bool die_with_parent, error_code& ec);

/// Runs a child's function: an exception that escapes is printed on stderr as Python prints
/// one ("Process NAME:" then type and message). Returns the exit code: 0, or 1 after an
/// exception.
int run_child_function(const std::function<void()>& function);

/// What a spawned child makes of its parent's first frame when it is not `worker`: the task to
/// run (`task` set), or the refusal to send back. A frame no parent of ours sends (another
/// kind, a body that does not decode) is `error::bad_message` in `ec`.
struct child_start
{
    run_frame run;
    const task_entry* task = nullptr;
    refused_frame refusal;
};
child_start read_child_start(frame_kind kind, std::string_view body, error_code& ec);

/// The process that started this one (spawn: as its environment said; fork: the forking
/// process); empty in a process multiproc did not start.
std::optional<process_info> parent_info();

/// True in a process that was spawned by multiproc but whose main did not call init.
bool spawned_without_init();

} // namespace multiproc::detail

#endif
