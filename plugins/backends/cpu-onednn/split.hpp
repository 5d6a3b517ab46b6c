#pragma once
// How a convolution is cut into oneTBB tasks: blocks of samples, slices of channels, bands of
// rows. Depends on the geometry only (Note [oneDNN on lumen's threads]).
#include <cstdint>

#include "lumen/backend.hpp"

namespace lumen::cpu_onednn {

using Index = std::int64_t;

// Note [oneDNN on lumen's threads]
// oneDNN's own threads are OpenMP teams: each call ends at a barrier, and on a loaded machine a
// barrier waits for a descheduled thread (ResNet-18 saliency on 2 threads went from 85 ms to
// 940 ms while a build ran). So oneDNN always runs on one thread, and lumen splits each call
// into tasks for oneTBB, which lets an idle thread take work and never waits for a busy one:
// blocks of samples; within a block, slices of the channels being computed (output channels
// forward, input channels backward); and bands of the rows being computed, each reading the rows
// of the other operand its windows reach. The split depends on the geometry only, never on the
// thread count, so neither do the results.
struct Split {
  Index block = 1;   // samples per task
  Index chunk = 1;   // channels per task
  Index chunks = 1;  // channel slices
  Index rows = 1;    // rows per band
  Index bands = 1;   // row bands
};

/// The rows a band of `rows` computed rows starting at `first` reads, and the padding it sees.
struct Band {
  Index first = 0, rows = 0;            // rows computed (output forward, input backward)
  Index read_first = 0, read_rows = 0;  // rows read of the other operand
  Index pad_top = 0, pad_bottom = 0;
};

/// The split of `g` for a kernel computing `channels` channels (output channels forward, input
/// channels backward) and rows (output rows forward, input rows backward).
Split split_of(const Conv2dGeometry& g, Index channels, bool forward);
/// Band `r` of split `s`; with one band, all rows as the geometry has them.
Band band_of(const Conv2dGeometry& g, const Split& s, Index r, bool forward);
/// The geometry of band `b`: its computed rows, the rows it reads and the padding it sees.
Conv2dGeometry band_geometry(Conv2dGeometry g, const Band& b, bool forward);

}  // namespace lumen::cpu_onednn
