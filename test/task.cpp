// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.

#include <multiproc/task.hpp>

#include <multiproc/init.hpp>
#include <multiproc/process.hpp>

#include <boost/archive/archive_exception.hpp>
#include <boost/test/unit_test.hpp>

#include <cstdlib>

namespace mp = multiproc;

namespace {
int add(int a, int b)
{
    return a + b;
}
MULTIPROC_TASK(add)

std::string join_words(const std::vector<std::string>& words, char separator)
{
    std::string out;
    for (const auto& w : words)
        out += (out.empty() ? "" : std::string(1, separator)) + w;
    return out;
}
MULTIPROC_TASK(join_words)

// foreign_child registers a task of this name with another signature, and not `add`.
void foreign_task(int code)
{
    std::exit(code);
}
MULTIPROC_TASK(foreign_task)

int not_a_task(int x)
{
    return x;
}

struct restore_executable
{
    ~restore_executable() { mp::set_executable({}); }
};
} // namespace

BOOST_AUTO_TEST_SUITE(task_tests)

BOOST_AUTO_TEST_CASE(registered_functions_are_found_by_pointer_and_name)
{
    BOOST_TEST(mp::is_registered(add));
    BOOST_TEST(!mp::is_registered(not_a_task));
    const auto* entry = mp::detail::find_task("add");
    BOOST_REQUIRE(entry);
    BOOST_TEST(entry ==
               mp::detail::find_task(reinterpret_cast<mp::detail::generic_function>(&add)));
    BOOST_TEST(mp::detail::find_task("no such task") == nullptr);
}

BOOST_AUTO_TEST_CASE(invoke_decodes_arguments_and_encodes_the_result)
{
    const auto* entry = mp::detail::find_task("join_words");
    BOOST_REQUIRE(entry);
    const std::string arguments =
        mp::detail::encode_arguments(&join_words, std::vector<std::string>{"a", "bc", "d"}, '-');
    std::tuple<std::string> result;
    mp::detail::decode_into(entry->invoke(arguments, 1), result);
    BOOST_TEST(std::get<0>(result) == "a-bc-d");

    // Arguments convert to the parameter types before encoding: a const char* becomes the
    // std::string the child decodes, a short an int.
    const std::string sum =
        mp::detail::find_task("add")->invoke(mp::detail::encode_arguments(&add, short(2), 40), 1);
    std::tuple<int> total;
    mp::detail::decode_into(sum, total);
    BOOST_TEST(std::get<0>(total) == 42);
}

BOOST_AUTO_TEST_CASE(a_chunk_of_argument_sets_gives_its_results_in_one_archive)
{
    const auto* entry = mp::detail::find_task("add");
    std::vector<std::tuple<int, int>> sets{{1, 2}, {30, 4}, {-5, 5}};
    const std::string results = entry->invoke(mp::detail::encode_argument_sets(sets), 3);
    std::vector<int> sums;
    mp::detail::decode_results(results, 3, sums);
    BOOST_TEST(sums == (std::vector<int>{3, 34, 0}), boost::test_tools::per_element());
    // Fewer argument sets than the count says: an error, not garbage.
    BOOST_CHECK_THROW(entry->invoke(mp::detail::encode_argument_sets(sets), 4), std::exception);
}

BOOST_AUTO_TEST_CASE(numbers_cross_as_their_bytes)
{
    const std::string bytes = mp::detail::encode(42, 2.5, true);
    BOOST_TEST(bytes.size() == sizeof(int) + sizeof(double) + sizeof(bool)); // no archive
    std::tuple<int, double, bool> back;
    mp::detail::decode_into(bytes, back);
    BOOST_TEST(std::get<0>(back) == 42);
    BOOST_TEST(std::get<1>(back) == 2.5);
    BOOST_TEST(std::get<2>(back));
    try {
        mp::detail::decode_into(bytes.substr(0, sizeof(int) + 3), back);
        BOOST_FAIL("expected bad_message");
    } catch (const mp::system_error& e) {
        BOOST_TEST((e.code() == mp::error::bad_message));
    }
    std::tuple<bool> flag{false};
    mp::detail::decode_into(std::string(1, '\x7f'), flag); // any byte is a valid bool
    BOOST_TEST(std::get<0>(flag));
    // Strings and vectors of numbers: a length, then the bytes.
    const std::string text = mp::detail::encode(std::string("ab"), std::vector<short>{7, -8});
    BOOST_TEST(text.size() == 8u + 2u + 8u + 2u * sizeof(short));
    std::tuple<std::string, std::vector<short>> parts;
    mp::detail::decode_into(text, parts);
    BOOST_TEST(std::get<0>(parts) == "ab");
    BOOST_TEST(std::get<1>(parts) == (std::vector<short>{7, -8}), boost::test_tools::per_element());
    // A length larger than what follows is refused before anything is allocated.
    std::string hostile = mp::detail::encode(std::uint64_t(1) << 60);
    std::tuple<std::string> victim;
    BOOST_CHECK_THROW(mp::detail::decode_into(hostile, victim), mp::system_error);
    // Anything else goes through an archive.
    std::tuple<std::vector<std::string>> words;
    mp::detail::decode_into(mp::detail::encode(std::vector<std::string>{"x", "yz"}), words);
    BOOST_TEST(std::get<0>(words).size() == 2u);
}

BOOST_AUTO_TEST_CASE(signatures_tell_types_apart)
{
    BOOST_TEST(std::string(mp::detail::find_task("add")->signature) !=
               mp::detail::find_task("join_words")->signature);
    // References and const do not change what crosses the process boundary.
    using by_value = mp::detail::function_traits<int (*)(std::string)>;
    using by_reference = mp::detail::function_traits<int (*)(const std::string&)>;
    BOOST_TEST(std::string(by_value::signature()) == by_reference::signature());
}

BOOST_AUTO_TEST_CASE(truncated_arguments_are_an_error_not_undefined_behaviour)
{
    const auto* entry = mp::detail::find_task("join_words");
    std::string arguments =
        mp::detail::encode_arguments(&join_words, std::vector<std::string>{"abc"}, ',');
    arguments.resize(arguments.size() / 2);
    BOOST_CHECK_THROW(entry->invoke(arguments, 1), std::exception);
}

BOOST_AUTO_TEST_CASE(a_hostile_length_in_an_archive_is_an_error_not_an_allocation)
{
    // join_words takes a vector of strings: Boost.Serialization's path, not the raw one.
    const auto* entry = mp::detail::find_task("join_words");
    const std::string good =
        mp::detail::encode_arguments(&join_words, std::vector<std::string>{"abc"}, ',');
    BOOST_TEST((entry->invoke(good, 1) == mp::detail::encode(std::string("abc"))));
    // The string's length is the 8 bytes before it, the vector's count a 1 before that.
    const std::size_t at_word = good.find("abc");
    const std::size_t at_count = good.find(std::string("\x01\0\0\0\0\0\0\0", 8));
    BOOST_TEST_REQUIRE((at_word != std::string::npos && at_word >= 8));
    BOOST_TEST_REQUIRE(at_count < at_word - 8);
    const std::string petabytes("\xff\xff\xff\xff\xff\xff\x0f\x00", 8); // 2^52 - 1
    for (const std::size_t at : {at_word - 8, at_count}) {
        std::string hostile = good;
        hostile.replace(at, 8, petabytes);
        try {
            entry->invoke(hostile, 1);
            BOOST_ERROR("a length of 2^52 - 1 at byte " << at << " was accepted");
        } catch (const mp::system_error& e) {
            BOOST_TEST((e.code() == mp::error::bad_message), e.what());
            BOOST_TEST(std::string(e.what()).find("value truncated") != std::string::npos);
        }
    }
}

BOOST_AUTO_TEST_CASE(child_with_another_signature_refuses_the_task)
{
    restore_executable restore;
    mp::set_executable(FOREIGN_CHILD);
    mp::process p(foreign_task, 3);
    p.start();
    mp::error_code ec;
    p.join(ec);
    BOOST_TEST((ec == mp::error::signature_mismatch));
    BOOST_TEST(p.exit_code().value() == 1);
}

BOOST_AUTO_TEST_CASE(child_without_the_task_refuses_it)
{
    restore_executable restore;
    mp::set_executable(FOREIGN_CHILD);
    mp::process p(add, 1, 2);
    p.start();
    mp::error_code ec;
    p.join(ec);
    BOOST_TEST((ec == mp::error::unregistered_task));
}

BOOST_AUTO_TEST_SUITE_END()
