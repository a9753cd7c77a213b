// Must not compile: a task called with the wrong number of arguments.
#include <multiproc/process.hpp>

void takes_two(int, int) {}
MULTIPROC_TASK(takes_two)

int main()
{
    multiproc::process p(takes_two, 1);
}
