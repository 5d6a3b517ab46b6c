// Runs a fuzz harness's entry on committed inputs without libFuzzer, so that the normal test
// suite replays every seed and every crash ever found: each file of the directories given, in
// name order. An exception other than the refusal the harness accepts fails, naming the input;
// a crash fails the test by itself. No input at all fails too: a replay of nothing proves nothing.
#include <algorithm>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace fs = std::filesystem;

int main(int argc, char** argv) {
  std::size_t replayed = 0;
  for (int i = 1; i < argc; ++i) {
    const fs::path dir = argv[i];
    std::vector<fs::path> inputs;
    if (fs::is_directory(dir)) {
      for (const auto& entry : fs::directory_iterator(dir)) {
        if (entry.is_regular_file()) inputs.push_back(entry.path());
      }
    }
    std::sort(inputs.begin(), inputs.end());
    std::cout << dir.string() << ": " << inputs.size() << " input(s)\n";
    for (const auto& input : inputs) {
      std::ifstream in(input, std::ios::binary);
      const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                            std::istreambuf_iterator<char>());
      try {
        LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
      } catch (const std::exception& e) {
        std::cerr << input.string() << ": " << e.what() << '\n';
        return 1;
      }
      ++replayed;
    }
  }
  if (replayed == 0) {
    std::cerr << "no input replayed\n";
    return 1;
  }
  return 0;
}
