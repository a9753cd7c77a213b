// Must not compile: the lock of a value is one of sync.hpp's locks or no_lock_t (CPython's
// test_getobj_getlock: Value('i', 5, lock='navalue') raises AttributeError).
#include <multiproc/shared_memory.hpp>

#include <string>

int main()
{
    multiproc::shared_value<int, std::string> v(multiproc::create_only, 5, std::string("navalue"));
}
