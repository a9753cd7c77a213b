// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
//
// libFuzzer target: the decoding of values that arrive from another process — a task's
// arguments (through the registry's invoke, as a worker runs them), a task's results, and the
// values of queues and pipes (the same decoders) — on the raw path (numbers, strings, vectors
// of numbers). Bad bytes must end in an exception, never in a crash, a sanitizer report or a
// huge allocation.
//
// The Boost.Serialization path (every other type) is not fuzzed here: binary_iarchive loads a
// std::string by resizing it to the length it reads, unchecked against the bytes left, so 10
// bytes can ask for 2.8 PB (bytes 83 0a 0a 0a 0a 0a 0a 0a 0a 00 to take_strings: ASan
// allocation-size-too-big). Outside ASan that is a std::bad_alloc the worker reports, or, for a
// length that fits in memory, an allocation of that size. Fuzz it once archives are read
// through a bounded source.

#include <multiproc/task.hpp>

#include <cstdint>
#include <exception>
#include <string>
#include <vector>

namespace md = multiproc::detail;

namespace {

int take_int(int x)
{
    return x ^ 1; // any x: no overflow
}
MULTIPROC_TASK(take_int)

std::string take_string(std::string a, const std::vector<std::uint16_t>& rest)
{
    return a + std::to_string(rest.size());
}
MULTIPROC_TASK(take_string)

double take_numbers(const std::vector<double>& v, bool flag, long long n)
{
    return flag ? static_cast<double>(v.size() + static_cast<std::size_t>(n & 0xff)) : 0.0;
}
MULTIPROC_TASK(take_numbers)

std::vector<int> take_vectors(const std::vector<int>& a, const std::vector<char>& b)
{
    return {static_cast<int>(a.size()), static_cast<int>(b.size())};
}
MULTIPROC_TASK(take_vectors)

void take_nothing() {}
MULTIPROC_TASK(take_nothing)

const char* const task_names[] = {"take_int", "take_string", "take_numbers", "take_vectors",
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
    // A worker gets the count of argument sets from the parent: now and then the largest there
    // is. A parent decodes as many results as it sent sets itself: a count of its own.
    const std::uint32_t count = data[1] == 0xff ? 0xffffffffu : data[1] % 8;
    const std::uint32_t own_count = data[1] % 16;
    const std::string bytes(reinterpret_cast<const char*>(data) + 2, size - 2);
    try {
        const unsigned choice = data[0] % 8;
        if (choice < 5) {
            const md::task_entry* task = md::find_task(std::string_view(task_names[choice]));
            if (!task)
                std::abort();
            // take_nothing has no arguments to run out of: a count that large is just work.
            task->invoke(bytes, choice == 4 ? own_count : count);
        } else if (choice == 5) {
            decode_values<long long>(bytes, own_count);
        } else if (choice == 6) {
            decode_values<std::vector<std::uint16_t>>(bytes, own_count);
        } else {
            decode_values<std::vector<double>>(bytes, own_count);
        }
    } catch (const std::exception&) {
        // The decoders' answer to bad bytes (bad_message, archive_exception, bad_alloc...).
    }
    return 0;
}
