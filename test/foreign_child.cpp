// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
// A program that calls multiproc::init but registers other tasks than the test binary: it
// has `foreign_task` with another signature and no `add`.

#include <multiproc/init.hpp>
#include <multiproc/task.hpp>

#include <iostream>

void foreign_task(std::string text)
{
    std::cout << text << '\n';
}
MULTIPROC_TASK(foreign_task)

int main(int argc, char* argv[])
{
    multiproc::init(argc, argv);
    std::cout << "foreign_child: run by multiproc tests only\n";
}
