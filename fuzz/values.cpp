// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
//
// libFuzzer target: the decoding of values that arrive from another process — a task's
// arguments (through the registry's invoke, as a worker runs them), a task's results, and the
// values of queues and pipes (the same decoders) — on both paths: raw (numbers, strings, vectors
// of numbers) and Boost.Serialization (every other type: strings in vectors and maps, a struct).
// Bad bytes must end in an exception, never in a crash, a sanitizer report or a huge
// allocation: a length that asks for more than the bytes left (10 bytes once asked for 2.8 PB
// through Boost's own binary_iarchive) is error::bad_message.

#include <multiproc/task.hpp>

#include <boost/serialization/map.hpp>

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

// Boost.Serialization's path: a class, and strings inside collections.
struct record
{
    std::string name;
    std::vector<std::string> tags;
    std::map<int, std::string> notes;
    template <class Archive>
    void serialize(Archive& ar, unsigned)
    {
        ar& name& tags& notes;
    }
};

std::size_t take_words(const std::vector<std::string>& words, const record& r)
{
    return words.size() + r.tags.size() + r.notes.size();
}
MULTIPROC_TASK(take_words)

const char* const task_names[] = {"take_int",     "take_string",  "take_numbers",
                                  "take_vectors", "take_nothing", "take_words"};

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
        const unsigned choice = data[0] % 10;
        if (choice < 6) {
            const md::task_entry* task = md::find_task(std::string_view(task_names[choice]));
            if (!task)
                std::abort();
            // take_nothing has no arguments to run out of: a count that large is just work.
            task->invoke(bytes, choice == 4 ? own_count : count);
        } else if (choice == 6) {
            decode_values<long long>(bytes, own_count);
        } else if (choice == 7) {
            decode_values<std::vector<std::uint16_t>>(bytes, own_count);
        } else if (choice == 8) {
            decode_values<std::vector<double>>(bytes, own_count);
        } else {
            decode_values<record>(bytes, own_count);
        }
    } catch (const std::exception&) {
        // The decoders' answer to bad bytes (bad_message, archive_exception, bad_alloc...).
    }
    return 0;
}
