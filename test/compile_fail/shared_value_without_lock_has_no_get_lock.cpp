// Must not compile: a value made without a lock (Python's lock=False, RawValue) has no
// get_lock() (CPython's test_getobj_getlock: assertNotHasAttr(arr4, 'get_lock')).
#include <multiproc/shared_memory.hpp>

int main()
{
    multiproc::shared_value<int, multiproc::no_lock_t> raw(multiproc::create_only, 5);
    raw.get_lock();
}
