// A shared library that is not a lumen plugin: no lumen_plugin_entry.
extern "C" __attribute__((visibility("default"))) int fixture_something_else() { return 42; }
