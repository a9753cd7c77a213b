// Must not compile: a task's argument of the wrong type is caught at the call site.
#include <multiproc/process.hpp>

#include <string>

void takes_a_string(std::string) {}
MULTIPROC_TASK(takes_a_string)

int main()
{
    struct not_a_string
    {
    };
    multiproc::process p(takes_a_string, not_a_string{});
}
