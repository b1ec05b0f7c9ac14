// Supplies std::ios_base_library_init() for libLibTorchSharp.so on systems whose libstdc++
// predates GLIBCXX_3.4.32 (Debian 12 ships 3.4.30). Code built with GCC 13 headers references
// that symbol only so that the C++ stream objects are initialised; a static ios_base::Init
// does the same on older libstdc++.
#include <ios>

namespace std {
void ios_base_library_init();
}

namespace {
std::ios_base::Init stream_initialiser;
}

void std::ios_base_library_init() {}
