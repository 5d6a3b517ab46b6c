#pragma once
/// LUMEN_API marks what liblumen_core.so exports (it is built with hidden visibility), and so
/// what hosts and plugins may use. Classes shared with plugins need it for their typeinfo.
#define LUMEN_API __attribute__((visibility("default")))
