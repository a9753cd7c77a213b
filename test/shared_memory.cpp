// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.

#include <multiproc/shared_memory.hpp>

#include <multiproc/init.hpp>
#include <multiproc/process.hpp>

#include "shared_objects_test.hpp"

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <tuple>
#include <type_traits>
#include <vector>

namespace {

struct point
{
    int x;
    double y;
};

void shm_write_bytes(mp::shared_memory memory, std::string text)
{
    std::memcpy(memory.data(), text.data(), text.size());
}
MULTIPROC_TASK(shm_write_bytes)

void shm_increment(mp::shared_value<long long> counter, int times)
{
    for (int i = 0; i < times; ++i) {
        std::lock_guard<mp::recursive_lock> guard(counter.get_lock());
        ++counter.value();
    }
}
MULTIPROC_TASK(shm_increment)

// Squares every element in place, under the array's lock.
void shm_square_all(mp::shared_array<int> numbers)
{
    std::lock_guard<mp::recursive_lock> guard(numbers.get_lock());
    for (int& n : numbers)
        n *= n;
}
MULTIPROC_TASK(shm_square_all)

void shm_move_point(mp::shared_value<point> p)
{
    point moved = p.load();
    moved.x += 1;
    moved.y *= 2;
    p.store(moved);
}
MULTIPROC_TASK(shm_move_point)

// Increments under the lock it was given with the value, which must be `lock` itself.
void shm_increment_under_given_lock(mp::shared_value<long long, mp::lock> counter, mp::lock lock,
                                    int times)
{
    if (counter.get_lock().name() != lock.name())
        throw std::runtime_error("the child's value has another lock");
    for (int i = 0; i < times; ++i) {
        std::lock_guard<mp::lock> guard(counter.get_lock());
        ++counter.value();
    }
}
MULTIPROC_TASK(shm_increment_under_given_lock)

void shm_store_raw(mp::shared_value<int, mp::no_lock_t> raw, mp::shared_array<int, mp::no_lock_t> a)
{
    raw.store(raw.load() + 1);
    a.store(1, a.load(0) * 10);
}
MULTIPROC_TASK(shm_store_raw)

// Python's hasattr(v, 'get_lock'), at compile time.
template <class T, class = void>
struct has_get_lock : std::false_type
{
};
template <class T>
struct has_get_lock<T, std::void_t<decltype(std::declval<const T&>().get_lock())>> : std::true_type
{
};

void run_and_check(mp::process& p)
{
    p.start();
    BOOST_TEST(p.join_for(patience));
    BOOST_TEST(p.exit_code().value_or(-1) == 0);
}

} // namespace

BOOST_AUTO_TEST_SUITE(shared_memory_tests)

BOOST_AUTO_TEST_CASE(create_attach_and_remove)
{
    mp::shared_memory memory(mp::create_only, 100);
    BOOST_TEST(static_cast<bool>(memory));
    BOOST_TEST(memory.size() == 100u);
    BOOST_TEST(memory.name().rfind("mp_" + std::to_string(mp::this_process::id()) + "_", 0) == 0u);
    BOOST_TEST(reinterpret_cast<std::uintptr_t>(memory.data()) % 64 == 0u);
    const std::vector<char> zeros(100, 0);
    BOOST_TEST(std::memcmp(memory.data(), zeros.data(), 100) == 0);
    std::memcpy(memory.data(), "hello", 5);

    mp::shared_memory attached(mp::open_only, memory.name());
    BOOST_TEST(attached.size() == 100u);
    BOOST_TEST(attached.name() == memory.name());
    BOOST_TEST(attached.data() != memory.data()); // a second mapping of the same block
    BOOST_TEST(std::memcmp(attached.data(), "hello", 5) == 0);
    static_cast<char*>(attached.data())[0] = 'j';
    BOOST_TEST(static_cast<char*>(memory.data())[0] == 'j');

    if (test_util::names_in_dev_shm) {
        const int mode = test_util::dev_shm_mode(memory.name());
        BOOST_REQUIRE(mode != -1);
        BOOST_TEST(mode == 0600); // owner-only
    }
    if (!test_util::names_go_with_last_handle) {
        BOOST_TEST(mp::shared_memory::remove(memory.name()));
        BOOST_TEST(!mp::shared_memory::remove(memory.name()));
        mp::error_code ec;
        mp::shared_memory late(mp::open_only, memory.name(), ec);
        BOOST_TEST(ec.failed());
        // Mappings outlive the name.
        BOOST_TEST(static_cast<char*>(attached.data())[0] == 'j');
    } else {
        // Windows: the name goes with its last handle; remove cannot hasten it.
        BOOST_TEST(!mp::shared_memory::remove(memory.name()));
    }
}

BOOST_AUTO_TEST_CASE(errors)
{
    mp::error_code ec;
    mp::shared_memory none(mp::create_only, 0, ec);
    BOOST_TEST(ec == errc::invalid_argument);
    BOOST_CHECK_THROW(mp::shared_memory(mp::create_only, 0), mp::system_error);
    mp::shared_memory missing(mp::open_only, "mp_1_00000000_1_no_such_block", ec);
    BOOST_TEST(ec.failed());
    BOOST_TEST(!missing);
    BOOST_CHECK_THROW(mp::shared_memory(mp::open_only, "mp_1_00000000_1_no_such_block"),
                      mp::system_error);
    mp::lock l(mp::create_only);
    mp::shared_memory not_memory(mp::open_only, l.name(), ec);
    BOOST_TEST(ec == errc::invalid_argument);

    mp::shared_memory empty;
    BOOST_TEST(!empty);
    BOOST_TEST(empty.data() == nullptr);
    BOOST_TEST(empty.size() == 0u);
    BOOST_TEST(empty.name().empty());
    mp::shared_value<int> no_value;
    no_value.load(ec);
    BOOST_TEST(ec == errc::invalid_argument);
}

BOOST_AUTO_TEST_CASE(the_owners_last_handle_removes_the_name)
{
    std::string name;
    {
        mp::shared_memory memory(mp::create_only, 8);
        name = memory.name();
        mp::shared_memory copy = memory;
        memory = mp::shared_memory();
        {
            mp::shared_memory attached(mp::open_only, name); // not the owner
        }
        mp::shared_memory again(mp::open_only, name); // the copy still keeps it
        BOOST_TEST(again.size() == 8u);
    }
    BOOST_TEST(test_util::is_gone<mp::shared_memory>(name));
}

BOOST_AUTO_TEST_CASE(children_see_the_parents_memory)
{
    for (auto method : all_methods()) {
        mp::shared_memory memory(mp::create_only, 16);
        mp::process p(with_method(method), shm_write_bytes, memory, std::string("from the child"));
        run_and_check(p);
        BOOST_TEST(std::string(static_cast<char*>(memory.data())) == "from the child");
    }
}

BOOST_AUTO_TEST_CASE(handles_serialize_by_name)
{
    mp::shared_value<int> v(mp::create_only, 5);
    std::tuple<mp::shared_value<int>> decoded_tuple;
    mp::detail::decode_into(mp::detail::encode(v), decoded_tuple);
    auto& decoded = std::get<0>(decoded_tuple);
    BOOST_TEST(decoded.load() == 5);
    BOOST_TEST(decoded.get_lock().name() == v.get_lock().name());
    decoded.store(6);
    BOOST_TEST(v.load() == 6);

    // An empty handle stays empty.
    std::tuple<mp::shared_memory> still_empty{mp::shared_memory(mp::create_only, 1)};
    mp::detail::decode_into(mp::detail::encode(mp::shared_memory()), still_empty);
    BOOST_TEST(!std::get<0>(still_empty));
}

BOOST_AUTO_TEST_CASE(shared_value_load_store_and_lock)
{
    mp::shared_value<long long> zero(mp::create_only);
    BOOST_TEST(zero.load() == 0);
    mp::shared_value<double> v(mp::create_only, 1.5);
    BOOST_TEST(v.load() == 1.5);
    v.store(2.5);
    BOOST_TEST(v.value() == 2.5);
    {
        // The lock is recursive, as Python's: load and store work while holding it.
        std::lock_guard<mp::recursive_lock> guard(v.get_lock());
        v.store(v.load() + 1);
        bool other = true;
        std::thread([&] { other = v.get_lock().acquire_for(20ms); }).join();
        BOOST_TEST(!other);
    }
    BOOST_TEST(v.load() == 3.5);
}

BOOST_AUTO_TEST_CASE(shared_value_of_a_struct_crosses_processes)
{
    for (auto method : all_methods()) {
        mp::shared_value<point> p(mp::create_only, point{1, 1.5});
        mp::process child(with_method(method), shm_move_point, p);
        run_and_check(child);
        BOOST_TEST(p.load().x == 2);
        BOOST_TEST(p.load().y == 3.0);
    }
}

BOOST_AUTO_TEST_CASE(shared_array_elements)
{
    mp::shared_array<int> zeros(mp::create_only, 4);
    BOOST_TEST(zeros.size() == 4u);
    BOOST_TEST((zeros.to_vector() == std::vector<int>{0, 0, 0, 0}));
    mp::shared_array<int> a(mp::create_only, std::vector<int>{1, 2, 3});
    BOOST_TEST(a.load(2) == 3);
    a.store(0, 10);
    BOOST_TEST(a[0] == 10);
    BOOST_TEST(a.end() - a.begin() == 3);
    mp::error_code ec;
    a.load(3, ec);
    BOOST_TEST(ec == errc::result_out_of_range);
    BOOST_CHECK_THROW(a.store(3, 1), mp::system_error);
    mp::shared_array<int> none(mp::create_only, 0, ec);
    BOOST_TEST(ec == errc::invalid_argument);

    for (auto method : all_methods()) {
        mp::shared_array<int> numbers(mp::create_only, std::vector<int>{1, 2, 3, 4});
        mp::process child(with_method(method), shm_square_all, numbers);
        run_and_check(child);
        BOOST_TEST((numbers.to_vector() == std::vector<int>{1, 4, 9, 16}));
    }
}

// Python's Value(t, v, lock=some_lock): the given lock guards the value, get_lock() is that
// lock, in children too; a plain lock refuses a load by its holder rather than deadlock.
BOOST_AUTO_TEST_CASE(shared_value_with_a_given_lock)
{
    mp::lock l(mp::create_only);
    mp::shared_value<long long, mp::lock> v(mp::create_only, 0, l);
    mp::shared_array<int, mp::lock> a(mp::create_only, 3, l); // one lock for both
    BOOST_TEST(v.get_lock().name() == l.name());
    BOOST_TEST(a.get_lock().name() == l.name());
    {
        std::lock_guard<mp::lock> guard(l);
        mp::error_code ec;
        v.load(ec);
        BOOST_TEST(ec == errc::resource_deadlock_would_occur);
        bool other = true;
        std::thread([&] { other = a.get_lock().try_acquire(); }).join();
        BOOST_TEST(!other);
    }
    for (auto method : all_methods()) {
        v.store(0);
        std::vector<mp::process> children;
        for (int i = 0; i < 2; ++i)
            children.emplace_back(with_method(method), shm_increment_under_given_lock, v, l, 1000);
        for (auto& child : children)
            run_and_check(child);
        BOOST_TEST(v.load() == 2000);
    }
    mp::error_code ec;
    mp::shared_value<int, mp::lock> no_handle(mp::create_only, 0, mp::lock(), ec);
    BOOST_TEST(ec == errc::invalid_argument);
    BOOST_TEST(!no_handle.get_lock());
    BOOST_CHECK_THROW((mp::shared_value<int, mp::lock>(mp::create_only, 0, mp::lock())),
                      mp::system_error);
}

// Python's lock=False (RawValue, RawArray): no lock, and no get_lock() to call.
BOOST_AUTO_TEST_CASE(shared_value_without_a_lock)
{
    static_assert(!has_get_lock<mp::shared_value<int, mp::no_lock_t>>::value);
    static_assert(!has_get_lock<mp::shared_array<int, mp::no_lock_t>>::value);
    static_assert(has_get_lock<mp::shared_value<int>>::value);
    for (auto method : all_methods()) {
        mp::shared_value<int, mp::no_lock_t> raw(mp::create_only, 5);
        mp::shared_array<int, mp::no_lock_t> a(mp::create_only, std::vector<int>{4, 0});
        mp::process child(with_method(method), shm_store_raw, raw, a);
        run_and_check(child);
        BOOST_TEST(raw.load() == 6);
        BOOST_TEST(a.load(1) == 40);
        mp::error_code ec;
        a.load(2, ec);
        BOOST_TEST(ec == errc::result_out_of_range);
    }
    mp::shared_value<int, mp::no_lock_t> tagged(mp::create_only, 1, mp::no_lock);
    BOOST_TEST(tagged.value() == 1);
}

BOOST_AUTO_TEST_CASE(four_processes_increment_under_the_lock)
{
    for (auto method : all_methods()) {
        mp::shared_value<long long> counter(mp::create_only, 0);
        std::vector<mp::process> children;
        for (int i = 0; i < 4; ++i)
            children.emplace_back(with_method(method), shm_increment, counter, 10000);
        for (auto& child : children)
            child.start();
        for (auto& child : children) {
            BOOST_TEST(child.join_for(patience));
            BOOST_TEST(child.exit_code().value_or(-1) == 0);
        }
        BOOST_TEST(counter.load() == 40000);
    }
}

BOOST_AUTO_TEST_CASE(nothing_is_left_once_handles_are_gone)
{
    std::vector<std::string> names;
    {
        mp::shared_value<int> v(mp::create_only, 1);
        mp::shared_array<char> a(mp::create_only, 3);
        mp::shared_value<long long> counter(mp::create_only);
        names = {v.get_lock().name(), a.get_lock().name(), counter.get_lock().name()};
        mp::process child(shm_increment, counter, 1);
        run_and_check(child); // the child's handles are not the owner's
        BOOST_TEST(counter.load() == 1);
    }
    for (const auto& name : names)
        BOOST_TEST(test_util::is_gone<mp::recursive_lock>(name));
}

BOOST_AUTO_TEST_SUITE_END()
