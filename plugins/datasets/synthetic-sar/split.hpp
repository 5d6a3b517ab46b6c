#pragma once
// The fixed train/test partition of the generator's stream: in every run of 5 x classes
// consecutive stream indices the first 4 x classes are training samples and the last `classes`
// are test samples. Labels follow the stream index (index % classes), so both splits are balanced
// and no stream index (hence no sample) is in both.
#include <cstdint>

namespace lumen::synthetic_sar {

enum class Split { train, test, all };

/// The stream index of sample `i` of `split`.
inline std::uint64_t stream_index(Split split, std::uint64_t i, std::uint64_t classes) {
  const std::uint64_t block = 5 * classes;
  switch (split) {
    case Split::train: return (i / (4 * classes)) * block + i % (4 * classes);
    case Split::test: return (i / classes) * block + 4 * classes + i % classes;
    case Split::all: break;
  }
  return i;
}

}  // namespace lumen::synthetic_sar
