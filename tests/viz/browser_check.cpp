// browser_check — opens SVG pictures in headless Chromium and checks what it drew.
//
//     browser_check <work dir> <picture.svg>...
//
// The pictures are for people, and people open them in a browser: a file that Graphviz wrote and
// our tests parsed can still show up blank there (a broken font reference, a zero-sized viewBox, a
// label that Chromium lays out differently). So for each SVG this program
//
//   1. reads the size the file declares (<svg width="1059pt" height="329pt">: Graphviz writes
//      points, which a browser draws as 4/3 CSS pixels each; gnuplot's charts write plain
//      numbers, which are pixels),
//   2. has Chromium screenshot it into a window 40 px larger each way, on a magenta background
//      that no picture uses (Graphviz paints its own white page over the whole drawing),
//   3. reads the PNG back (libpng) and finds the box of pixels that are not magenta: that is the
//      drawing. It fails if there is none or it is all one colour (a blank page), or if its size
//      is not the declared one, give or take 2 px (a mis-sized page).
//
// Where no Chromium is found it prints why and exits with 77, which CTest reports as skipped;
// with TAPEGRAD_REQUIRE_BROWSER=1 in the environment that is a failure instead (CI sets it, so a
// missing browser cannot pass silently). TAPEGRAD_CHROMIUM may name the browser to use.
//
// What this program leaves out: comparing pixels with a reference image (fonts differ between
// machines), and interaction (hover, zoom).
#include <fmt/format.h>
#include <png.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

constexpr int kExitSkipped = 77;  // CTest: SKIP_RETURN_CODE
constexpr int kMargin = 40;       // window pixels beyond the drawing, each way
constexpr int kTolerance = 2;     // pixels of rounding allowed in the drawing's size

// The browser: $TAPEGRAD_CHROMIUM, or the first of the usual names found on PATH.
std::optional<std::string> find_chromium() {
  if (const char* given = std::getenv("TAPEGRAD_CHROMIUM"); given != nullptr && *given != '\0') {
    return std::string(given);
  }
  const char* path = std::getenv("PATH");
  if (path == nullptr) return std::nullopt;
  for (const char* name : {"chromium", "chromium-browser", "google-chrome"}) {
    std::istringstream dirs(path);
    for (std::string dir; std::getline(dirs, dir, ':');) {
      const fs::path candidate = fs::path(dir) / name;
      if (!dir.empty() && fs::exists(candidate)) return candidate.string();
    }
  }
  return std::nullopt;
}

// The size an SVG declares, in CSS pixels, or nullopt if its <svg> tag says none.
struct Size {
  int width = 0, height = 0;
};
std::optional<Size> declared_size(const fs::path& svg) {
  std::ifstream in(svg);
  std::stringstream text;
  text << in.rdbuf();
  static const std::regex tag(
      R"re(<svg[^>]*\swidth="([0-9.]+)(pt|px)?"[^>]*\sheight="([0-9.]+)(pt|px)?")re");
  std::smatch m;
  const std::string s = text.str();
  if (!std::regex_search(s, m, tag)) return std::nullopt;
  // 1pt = 4/3 px; a number without a unit is in px (SVG's user units: gnuplot's charts).
  auto px = [](const std::string& number, const std::string& unit) {
    const double value = std::stod(number);
    return static_cast<int>(std::lround(unit == "pt" ? value * 4.0 / 3.0 : value));
  };
  return Size{px(m[1], m[2]), px(m[3], m[4])};
}

// An RGBA image read with libpng's simplified API.
struct Image {
  int width = 0, height = 0;
  std::vector<unsigned char> rgba;
  const unsigned char* at(int x, int y) const { return &rgba[4 * (size_t(y) * width + x)]; }
};
std::optional<Image> read_png(const fs::path& path, std::string& error) {
  png_image png{};
  png.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&png, path.c_str())) {
    error = png.message;
    return std::nullopt;
  }
  png.format = PNG_FORMAT_RGBA;
  Image image{static_cast<int>(png.width), static_cast<int>(png.height), {}};
  image.rgba.resize(PNG_IMAGE_SIZE(png));
  if (!png_image_finish_read(&png, nullptr, image.rgba.data(), 0, nullptr)) {
    error = png.message;
    png_image_free(&png);
    return std::nullopt;
  }
  return image;
}

bool is_background(const unsigned char* p) {  // magenta, as the window was painted
  return p[0] > 240 && p[1] < 16 && p[2] > 240;
}

// Screenshots one SVG and checks it; returns "" if it is fine, else what is wrong.
std::string check(const std::string& chromium, const fs::path& svg, const fs::path& work) {
  const auto size = declared_size(svg);
  if (!size) return "its <svg> tag declares no width and height";
  const fs::path png = work /
                       (svg.parent_path().filename().string() + "_" + svg.stem().string() + ".png");
  const fs::path log = work / (svg.stem().string() + ".log");
  fs::remove(png);
  // --no-sandbox: Chromium refuses to run as root without it (CI runs as root); the page is a
  // local file we wrote. --default-background-color is RRGGBBAA.
  const std::string command = fmt::format(
      "timeout 120 '{}' --headless --no-sandbox --disable-gpu --hide-scrollbars "
      "--default-background-color=ff00ffff --window-size={},{} --screenshot='{}' 'file://{}' "
      ">'{}' 2>&1",
      chromium, size->width + kMargin, size->height + kMargin, png.string(),
      fs::absolute(svg).string(), log.string());
  const int rc = std::system(command.c_str());
  if (rc != 0 || !fs::exists(png)) {
    return fmt::format("Chromium failed (exit {}); its output is in {}", rc, log.string());
  }
  std::string error;
  const auto image = read_png(png, error);
  if (!image) return fmt::format("cannot read the screenshot {}: {}", png.string(), error);

  // The drawing: the box around every pixel that is not the window's magenta.
  int left = image->width, top = image->height, right = -1, bottom = -1;
  std::set<uint32_t> colours;
  for (int y = 0; y < image->height; ++y) {
    for (int x = 0; x < image->width; ++x) {
      const unsigned char* p = image->at(x, y);
      if (is_background(p)) continue;
      left = std::min(left, x);
      right = std::max(right, x);
      top = std::min(top, y);
      bottom = std::max(bottom, y);
      if (colours.size() < 2) colours.insert(uint32_t(p[0]) << 16 | uint32_t(p[1]) << 8 | p[2]);
    }
  }
  if (right < 0) return fmt::format("blank: nothing was drawn (screenshot {})", png.string());
  if (colours.size() < 2) {
    return fmt::format("blank: the drawing is one colour (screenshot {})", png.string());
  }
  const int width = right - left + 1, height = bottom - top + 1;
  if (std::abs(width - size->width) > kTolerance || std::abs(height - size->height) > kTolerance) {
    return fmt::format("mis-sized: drawn {}x{} px, the file declares {}x{} px (screenshot {})",
                       width, height, size->width, size->height, png.string());
  }
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    fmt::print(stderr, "usage: browser_check <work dir> <picture.svg>...\n");
    return 2;
  }
  const char* require = std::getenv("TAPEGRAD_REQUIRE_BROWSER");
  const bool required = require != nullptr && std::string(require) == "1";
  const auto chromium = find_chromium();
  if (!chromium) {
    fmt::print(
        "{}: no Chromium found (looked for $TAPEGRAD_CHROMIUM, chromium, chromium-browser, "
        "google-chrome on PATH; on Debian: apt-get install chromium).\n",
        required ? "FAILED" : "SKIPPED");
    if (!required) fmt::print("Set TAPEGRAD_REQUIRE_BROWSER=1 to make this a failure.\n");
    return required ? 1 : kExitSkipped;
  }
  const fs::path work = argv[1];
  fs::create_directories(work);
  int failed = 0;
  for (int k = 2; k < argc; ++k) {
    const fs::path svg = argv[k];
    const std::string problem = check(*chromium, svg, work);
    fmt::print("{} {}{}\n", problem.empty() ? "ok    " : "FAILED", svg.string(),
               problem.empty() ? "" : ": " + problem);
    failed += problem.empty() ? 0 : 1;
  }
  fmt::print("{} of {} pictures drawn as declared by {}\n", argc - 2 - failed, argc - 2, *chromium);
  return failed == 0 ? 0 : 1;
}
