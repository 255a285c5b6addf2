// The mprun command: driver mode over unmodified GoogleTest binaries.
#include "runner/driver.h"

int main(int argc, char** argv) { return mprun::runner::RunDriver(argc, argv); }
