// The .npy format: "\x93NUMPY", major and minor version bytes, the header length (2 bytes in
// version 1, 4 bytes in versions 2 and 3, little-endian), then an ASCII Python dict literal
// {'descr': ..., 'fortran_order': ..., 'shape': (...), } padded with spaces and ended by '\n',
// then the raw array data.
//
// Writing goes through xtensor's xt::dump_npy. Reading stays lumen's own, because xt::load_npy
// (xtensor 0.24.3) trusts the header where this reader refuses it; measured on the cases of
// tests/core/test_io.cpp (docs/architecture.md, "xtensor"): it allocates the declared header
// length (up to 4 GiB) and the declared data size (64 GiB for a 100-byte file) before reading
// anything; an element count that overflows is undefined behaviour in xt::compute_strides;
// truncated data comes back with uninitialised values; trailing bytes are ignored. It also
// refuses files this reader takes: minor versions other than 0, version 3.0, keys in another
// order or double-quoted, and a header length with a byte >= 0x80 (182, say), which it
// sign-extends. Checking all that in front of it would leave xtensor nothing to do but a copy.
#include <bit>
#include <cctype>
#include <cstring>
#include <fstream>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>
#include <xtensor/xadapt.hpp>
#include <xtensor/xnpy.hpp>

#include "io/quoted.hpp"
#include "lumen/error.hpp"
#include "lumen/io.hpp"
#include "lumen/output_dir.hpp"

namespace lumen {
namespace {

static_assert(std::endian::native == std::endian::little,
              "lumen's .npy code assumes little-endian");

constexpr std::string_view magic = "\x93NUMPY";

struct NpyHeader {
  std::string descr;
  bool fortran_order = false;
  Shape shape;
};

// Parses the header's dict literal; throws a plain message that the caller prefixes with the file.
class HeaderParser {
 public:
  explicit HeaderParser(std::string_view text) : text_(text) {}

  NpyHeader parse() {
    NpyHeader h;
    std::optional<std::string> descr;
    std::optional<bool> fortran;
    std::optional<Shape> shape;
    expect('{');
    while (true) {
      skip_space();
      if (peek() == '}') break;
      const std::string key = parse_string();
      expect(':');
      if (key == "descr" && !descr) {
        descr = parse_string();
      } else if (key == "fortran_order" && !fortran) {
        fortran = parse_bool();
      } else if (key == "shape" && !shape) {
        shape = parse_shape();
      } else {
        fail((descr && key == "descr") || (fortran && key == "fortran_order") ||
                     (shape && key == "shape")
                 ? "key '" + key + "' appears twice"
                 : "unexpected key '" + key + "'");
      }
      skip_space();
      if (peek() == ',') {
        ++pos_;
      } else if (peek() != '}') {
        fail("expected ',' or '}'");
      }
    }
    ++pos_;
    skip_space();
    if (pos_ != text_.size()) fail("unexpected text after the dict");
    if (!descr) fail("no 'descr' key");
    if (!fortran) fail("no 'fortran_order' key");
    if (!shape) fail("no 'shape' key");
    h.descr = *descr;
    h.fortran_order = *fortran;
    h.shape = *shape;
    return h;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    // Quote the start of the header, printable characters only: it may be binary garbage.
    std::string shown;
    for (char c : text_.substr(0, 80)) {
      shown += std::isprint(static_cast<unsigned char>(c)) ? c : '?';
    }
    throw std::runtime_error("malformed header (" + what + " at offset " + std::to_string(pos_) +
                             " of \"" + shown + (text_.size() > 80 ? "...\")" : "\")"));
  }
  char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  void skip_space() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  void expect(char c) {
    skip_space();
    if (peek() != c) fail(std::string("expected '") + c + "'");
    ++pos_;
  }
  std::string parse_string() {
    skip_space();
    const char quote = peek();
    if (quote != '\'' && quote != '"') fail("expected a quoted string");
    const auto end = text_.find(quote, pos_ + 1);
    if (end == std::string_view::npos) fail("unterminated string");
    std::string s(text_.substr(pos_ + 1, end - pos_ - 1));
    pos_ = end + 1;
    return s;
  }
  bool parse_bool() {
    skip_space();
    for (const auto& [word, value] : {std::pair{"True", true}, std::pair{"False", false}}) {
      const std::string_view w(word);
      if (text_.substr(pos_, w.size()) == w) {
        pos_ += w.size();
        return value;
      }
    }
    fail("expected True or False");
  }
  Shape parse_shape() {
    expect('(');
    Shape shape;
    while (true) {
      skip_space();
      if (peek() == ')') break;
      if (!std::isdigit(static_cast<unsigned char>(peek()))) fail("expected a dimension");
      std::int64_t d = 0;
      while (std::isdigit(static_cast<unsigned char>(peek()))) {
        if (d > (std::numeric_limits<std::int64_t>::max() - 9) / 10) fail("dimension too large");
        d = d * 10 + (text_[pos_++] - '0');
      }
      shape.push_back(d);
      skip_space();
      if (peek() == ',') {
        ++pos_;
      } else if (peek() != ')') {
        fail("expected ',' or ')' in the shape");
      }
    }
    ++pos_;
    return shape;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

std::uint32_t read_le(const std::string& bytes, std::size_t at, std::size_t width) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < width; ++i) {
    v |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[at + i])) << (8 * i);
  }
  return v;
}

}  // namespace

Tensor read_npy(const std::filesystem::path& path) {
  using io_detail::quoted;
  auto fail = [&](const std::string& what) -> IoError {
    return IoError("cannot read .npy file " + quoted(path) + ": " + what);
  };
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw fail("no such file");
  if (std::filesystem::is_directory(path, ec)) throw fail("it is a directory");
  // Opening a FIFO for reading would wait for a writer, forever.
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw fail("it is not a regular file (a FIFO, socket or device)");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw fail("cannot open it");
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw fail("read error");

  if (bytes.size() < magic.size() + 2 || std::string_view(bytes).substr(0, magic.size()) != magic) {
    throw fail("not a .npy file (bad magic bytes)");
  }
  const int major = static_cast<unsigned char>(bytes[6]);
  const int minor = static_cast<unsigned char>(bytes[7]);
  if (major < 1 || major > 3) {
    throw fail("unsupported format version " + std::to_string(major) + "." + std::to_string(minor));
  }
  const std::size_t length_width = major == 1 ? 2 : 4;
  const std::size_t header_start = 8 + length_width;
  if (bytes.size() < header_start) throw fail("truncated header");
  const std::size_t header_length = read_le(bytes, 8, length_width);
  if (bytes.size() - header_start < header_length) throw fail("truncated header");

  NpyHeader header;
  try {
    header = HeaderParser(std::string_view(bytes).substr(header_start, header_length)).parse();
  } catch (const std::runtime_error& e) {
    throw fail(e.what());
  }
  if (header.fortran_order) throw fail("Fortran order is not supported (save it in C order)");
  std::size_t item_size = 0;
  if (header.descr == "<f4") {
    item_size = 4;
  } else if (header.descr == "<f8") {
    item_size = 8;
  } else {
    throw fail("unsupported dtype '" + header.descr +
               "' (lumen reads little-endian float32 '<f4' and float64 '<f8')");
  }

  const std::size_t data_start = header_start + header_length;
  const std::size_t available = bytes.size() - data_start;
  std::size_t count = 1;
  for (auto d : header.shape) {
    if (d != 0 && count > available / static_cast<std::size_t>(d)) {
      throw fail("truncated data: shape " + to_string(header.shape) + " needs more than the " +
                 std::to_string(available) + " bytes present");
    }
    count *= static_cast<std::size_t>(d);
  }
  if (count * item_size != available) {
    throw fail(
        (count * item_size > available ? "truncated data: shape " : "trailing bytes: shape ") +
        to_string(header.shape) + " needs " + std::to_string(count * item_size) +
        " bytes of data, the file has " + std::to_string(available));
  }

  std::vector<float> values(count);
  const char* data = bytes.data() + data_start;
  if (item_size == 4) {
    // A shape with a 0 has no data, and values.data() may then be null: no memcpy at all.
    if (count > 0) std::memcpy(values.data(), data, count * 4);
  } else {
    for (std::size_t i = 0; i < count; ++i) {
      double v = 0.0;
      std::memcpy(&v, data + i * 8, 8);
      values[i] = static_cast<float>(v);
    }
  }
  return Tensor(header.shape, std::move(values));
}

std::string encode_npy(const Tensor& tensor) {
  if (tensor.size() != element_count(tensor.shape())) {  // a default-constructed Tensor
    throw ShapeError("cannot encode an .npy array: the tensor holds no values");
  }
  const std::vector<std::size_t> shape(tensor.shape().begin(), tensor.shape().end());
  // Version 1 (2 when the header outgrows it), '<f4', C order, the data at a multiple of 64.
  return xt::dump_npy(
      xt::adapt(tensor.data(), static_cast<std::size_t>(tensor.size()), xt::no_ownership(), shape));
}

void write_npy(const std::filesystem::path& path, const Tensor& tensor) {
  write_file(path, encode_npy(tensor));
}

}  // namespace lumen
