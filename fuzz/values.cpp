// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
//
// libFuzzer target: the decoding of values that arrive from another process — a task's
// arguments (through the registry's invoke, as a worker runs them), a task's results, and the
// values of queues and pipes (the same decoders) — on the raw path (numbers, strings, vectors
// of numbers) and the Boost.Serialization path (everything else). Bad bytes must end in an
// exception, never in a crash, a sanitizer report or a huge allocation.

#include <multiproc/task.hpp>

#include <boost/serialization/map.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/utility.hpp>
#include <boost/serialization/vector.hpp>

#include <cstdint>
#include <exception>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace md = multiproc::detail;

namespace {

int take_int(int x)
{
    return x + 1;
}
MULTIPROC_TASK(take_int)

std::string take_strings(std::string a, const std::vector<std::string>& rest)
{
    for (const auto& s : rest)
        a += s;
    return a;
}
MULTIPROC_TASK(take_strings)

double take_numbers(const std::vector<double>& v, bool flag, long long n)
{
    return flag ? static_cast<double>(v.size() + static_cast<std::size_t>(n & 0xff)) : 0.0;
}
MULTIPROC_TASK(take_numbers)

std::size_t take_map(const std::map<std::string, std::vector<int>>& m,
                     std::pair<int, std::string> p)
{
    return m.size() + p.second.size();
}
MULTIPROC_TASK(take_map)

void take_nothing() {}
MULTIPROC_TASK(take_nothing)

const char* const task_names[] = {"take_int", "take_strings", "take_numbers", "take_map",
                                  "take_nothing"};

template <class T>
void decode_values(const std::string& bytes, std::size_t count)
{
    std::vector<T> out;
    md::decode_results(bytes, count, out);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size < 2)
        return 0;
    // The count comes from the other process too: now and then the largest there is.
    const std::uint32_t count = data[1] == 0xff ? 0xffffffffu : data[1] % 8;
    const std::string bytes(reinterpret_cast<const char*>(data) + 2, size - 2);
    try {
        const unsigned choice = data[0] % 10;
        if (choice < 5) {
            const md::task_entry* task = md::find_task(std::string_view(task_names[choice]));
            if (!task)
                std::abort();
            task->invoke(bytes, count);
        } else if (choice == 5) {
            decode_values<long long>(bytes, count);
        } else if (choice == 6) {
            decode_values<std::string>(bytes, count);
        } else if (choice == 7) {
            decode_values<std::vector<std::uint16_t>>(bytes, count);
        } else if (choice == 8) {
            decode_values<std::vector<std::string>>(bytes, count);
        } else {
            decode_values<std::map<std::string, std::vector<int>>>(bytes, count);
        }
    } catch (const std::exception&) {
        // The decoders' answer to bad bytes (bad_message, archive_exception, bad_alloc...).
    }
    return 0;
}
