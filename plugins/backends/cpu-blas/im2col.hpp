#pragma once
#include "blas.hpp"
#include "lumen/backend.hpp"

namespace lumen::cpu_blas {

// The im2col matrix of one sample and group has a row per (input channel c, tap kh, kw), in that
// order, and a column per output position p = oh * out_w + ow; its entry is the input value the
// tap sees at p, or 0 where the tap falls in the padding.

/// Writes the rows of channels [channel_begin, channel_end) and the columns [p_begin, p_end) of
/// the im2col matrix into col (row stride ld; column 0 is p_begin). x points at the group's
/// first input channel.
void im2col(const Conv2dGeometry& g, const float* x, Index channel_begin, Index channel_end,
            Index p_begin, Index p_end, float* col, Index ld);

/// The transpose of im2col: overwrites the input planes of channels [channel_begin, channel_end)
/// (dx points at the group's first input channel) with the sums of the entries of col (their
/// rows, all out_h * out_w columns, row stride out_h * out_w) that im2col would read from each.
void col2im(const Conv2dGeometry& g, const float* col, Index channel_begin, Index channel_end,
            float* dx);

}  // namespace lumen::cpu_blas
