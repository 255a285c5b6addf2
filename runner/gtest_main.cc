// main() for test binaries linked with mprun::gtest_main.
#include <mprun/mprun.h>

int main(int argc, char** argv) { return mprun::RunAllTests(argc, argv); }
