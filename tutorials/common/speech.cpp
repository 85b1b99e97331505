// speech.cpp — espeak-ng's words, placed in noisy one-second clips, as log-mel spectrograms.
// The pipeline and the mel scale are described in speech.hpp.
#include "speech.hpp"

#include <autograd/fast/kernels.hpp>
#include <espeak-ng/speak_lib.h>
#include <fftw3.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <numbers>
#include <stdexcept>

#include <sys/wait.h>
#include <unistd.h>

namespace speech {

int label_of(std::string_view word) {
  const auto it = std::find(kWords.begin(), kWords.end(), word);
  return it == kWords.end() ? -1 : static_cast<int>(it - kWords.begin());
}

// ---------------------------------------------------------------------------------------------
// Speaking. espeak-ng, in synchronous mode, calls collect() back with each piece of the sound.
//
// espeak-ng carries state from one word to the next (the phase of its pitch "flutter", filter
// memories): the same word in the same voice comes out a little different after another word. It
// is deterministic only as a whole sequence said from a fresh start. So speak() starts it fresh
// every time, in a child process of its own that says the words in order and sends the samples
// back through a pipe: what speak() returns depends on its voices alone, never on what this
// process said before. (espeak-ng 1.51 also cannot be stopped and started again in one process:
// after espeak_Terminate the next word never ends. A child process sidesteps that too.)

namespace {
std::vector<int16_t>* g_sink = nullptr;  // where collect() puts the samples of the word at hand

int collect(short* samples, int count, espeak_EVENT* /*events*/) {
  if (samples != nullptr && g_sink != nullptr)
    g_sink->insert(g_sink->end(), samples, samples + count);
  return 0;  // 0: go on
}

bool write_all(int fd, const void* data, size_t bytes) {
  const char* p = static_cast<const char*>(data);
  while (bytes > 0) {
    const ssize_t n = ::write(fd, p, bytes);
    if (n <= 0) return false;
    p += n;
    bytes -= static_cast<size_t>(n);
  }
  return true;
}
bool read_all(int fd, void* data, size_t bytes) {
  char* p = static_cast<char*>(data);
  while (bytes > 0) {
    const ssize_t n = ::read(fd, p, bytes);
    if (n <= 0) return false;
    p += n;
    bytes -= static_cast<size_t>(n);
  }
  return true;
}

// Whether espeak-ng has the voice variant (a file espeak-ng-data/voices/!v/<variant>): given an
// unknown one, espeak_SetVoiceByName would quietly keep the plain voice.
bool has_variant(const std::string& variant) {
  espeak_VOICE spec{};
  spec.languages = "variant";
  const std::string wanted = "!v/" + variant;
  for (const espeak_VOICE** v = espeak_ListVoices(&spec); *v != nullptr; ++v) {
    if (wanted == (*v)->identifier) return true;
  }
  return false;
}

// The child's work: start espeak-ng, say every word in every voice, and write to fd, in order,
// the sample rate (int32), then for each word its sample count (int32; -1: no such voice) and
// its samples. Returns the child's exit status.
int speak_into(int fd, const std::vector<Voice>& voices) {
  // (DONT_EXIT: a missing data folder is reported to us instead of ending the program.)
  const int32_t rate = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, nullptr,
                                         espeakINITIALIZE_DONT_EXIT);
  if (!write_all(fd, &rate, sizeof rate) || rate <= 0) return 1;
  espeak_SetSynthCallback(collect);
  for (const Voice& voice : voices) {
    const std::string name = "en+" + voice.variant;  // English, in that variant
    const bool known = has_variant(voice.variant) && espeak_SetVoiceByName(name.c_str()) == EE_OK;
    espeak_SetParameter(espeakRATE, voice.words_per_minute, 0);
    espeak_SetParameter(espeakPITCH, voice.pitch, 0);
    for (std::string_view word : kWords) {
      std::vector<int16_t> samples;
      if (known) {
        g_sink = &samples;
        std::srand(1);  // espeak-ng's noise (breath, Klatt voices) comes from rand()
        const std::string text(word);
        // (Synchronous mode: returns when the whole word has been passed to collect().)
        espeak_Synth(text.c_str(), text.size() + 1, 0, POS_CHARACTER, 0, espeakCHARS_UTF8, nullptr,
                     nullptr);
      }
      const int32_t count = known ? static_cast<int32_t>(samples.size()) : -1;
      if (!write_all(fd, &count, sizeof count) ||
          !write_all(fd, samples.data(), samples.size() * sizeof(int16_t))) {
        return 1;
      }
    }
  }
  return 0;
}
}  // namespace

std::string describe(const Voice& voice) {
  return fmt::format("{} {}wpm pitch {}", voice.variant, voice.words_per_minute, voice.pitch);
}

std::vector<Utterance> speak(const std::vector<Voice>& voices) {
  int fds[2];
  if (::pipe(fds) != 0) throw std::runtime_error("speech::speak: cannot make a pipe");
  const pid_t child = ::fork();
  if (child < 0) throw std::runtime_error("speech::speak: cannot start a process");
  if (child == 0) {  // the child: speaks, writes, and leaves without running the parent's exit code
    ::close(fds[0]);
    const int status = speak_into(fds[1], voices);
    ::close(fds[1]);
    ::_exit(status);
  }
  ::close(fds[1]);
  auto fail = [&](const std::string& why) {
    ::close(fds[0]);
    ::waitpid(child, nullptr, 0);
    return std::runtime_error("speech::speak: " + why);
  };
  int32_t rate = 0;
  if (!read_all(fds[0], &rate, sizeof rate) || rate <= 0) {
    throw fail(
        "espeak-ng could not start (is espeak-ng-data installed? apt-get install "
        "libespeak-ng-dev espeak-ng-data)");
  }
  std::vector<Utterance> out;
  for (const Voice& voice : voices) {
    for (int label = 0; label < kClasses; ++label) {
      int32_t count = 0;
      if (!read_all(fds[0], &count, sizeof count)) throw fail("espeak-ng stopped early");
      if (count < 0) throw fail(fmt::format("espeak-ng has no voice 'en+{}'", voice.variant));
      Utterance u{label, describe(voice), {std::vector<int16_t>(static_cast<size_t>(count)), rate}};
      if (!read_all(fds[0], u.sound.samples.data(), u.sound.samples.size() * sizeof(int16_t)) ||
          count == 0) {
        throw fail(fmt::format("no sound for '{}' in {}", kWords[label], u.voice));
      }
      out.push_back(std::move(u));
    }
  }
  ::close(fds[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw std::runtime_error("speech::speak: the espeak-ng process failed");
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The features.

int frame_length(int sample_rate) { return static_cast<int>(std::lround(0.025 * sample_rate)); }
int frame_hop(int sample_rate) { return static_cast<int>(std::lround(0.0125 * sample_rate)); }
int clip_length(int sample_rate) {
  return (kFrames - 1) * frame_hop(sample_rate) + frame_length(sample_rate);
}

double mel_of_hz(double hz) { return 2595.0 * ag::portable::log10(1.0 + hz / 700.0); }
double hz_of_mel(double mel) { return 700.0 * (ag::portable::pow(10.0, mel / 2595.0) - 1.0); }

LogMel::LogMel(int sample_rate)
    : sample_rate_(sample_rate),
      frame_(frame_length(sample_rate)),
      hop_(frame_hop(sample_rate)),
      fft_size_(1) {
  if (sample_rate < 16000) {
    throw std::runtime_error(fmt::format(
        "speech::LogMel: a sample rate of {} Hz cannot hold the bands up to 8000 Hz (16000 Hz "
        "or more is needed)",
        sample_rate));
  }
  while (fft_size_ < frame_) fft_size_ *= 2;  // the frame, padded with zeros to a power of two
  const int bins = fft_size_ / 2 + 1;         // bin k is frequency k * rate / fft_size

  // The periodic Hann window: tapers each frame to zero at its ends, so that cutting the frame
  // out of the sound does not add a click's broadband energy to the spectrum.
  window_.resize(static_cast<size_t>(frame_));
  for (int i = 0; i < frame_; ++i) {
    window_[i] = 0.5 - 0.5 * ag::portable::cos(2.0 * std::numbers::pi * i / frame_);
  }

  // kBands + 2 points evenly spaced in mel from 20 Hz to 8000 Hz: band b rises from edge b to its
  // peak at edge b + 1 and falls to edge b + 2.
  const double lo = mel_of_hz(20.0), hi = mel_of_hz(8000.0);
  for (int i = 0; i < kBands + 2; ++i)
    edges_hz_.push_back(hz_of_mel(lo + (hi - lo) * i / (kBands + 1)));
  triangles_.assign(kBands, std::vector<double>(static_cast<size_t>(bins), 0.0));
  for (int b = 0; b < kBands; ++b) {
    const double left = edges_hz_[b], centre = edges_hz_[b + 1], right = edges_hz_[b + 2];
    for (int k = 0; k < bins; ++k) {
      const double f = static_cast<double>(k) * sample_rate / fft_size_;
      const double rising = (f - left) / (centre - left), falling = (right - f) / (right - centre);
      triangles_[b][k] = std::max(0.0, std::min(rising, falling));
    }
    first_bin_.push_back(static_cast<int>(std::floor(left * fft_size_ / sample_rate)));
    last_bin_.push_back(
        std::min(bins - 1, static_cast<int>(std::ceil(right * fft_size_ / sample_rate))));
  }

  in_ = fftw_alloc_real(static_cast<size_t>(fft_size_));
  out_ = fftw_alloc_complex(static_cast<size_t>(bins));
  // FFTW_ESTIMATE: the plan is chosen by rule, not by timing trial runs, so it is the same on
  // every run (and making it is instant). FFTW_NO_SIMD (fftw3.h): only FFTW's plain C codelets,
  // the same code on every CPU, not the SSE2, AVX or AVX2 ones FFTW picks by the CPU it runs on,
  // which add in other orders (here it took "n1fv_16_avx" and "hc2cfdftv_32_avx"; FFTW_UNALIGNED
  // alone still took the latter). So the features are the same bits on every x86-64 CPU.
  plan_ = fftw_plan_dft_r2c_1d(fft_size_, in_, static_cast<fftw_complex*>(out_),
                               FFTW_ESTIMATE | FFTW_NO_SIMD);
}

LogMel::~LogMel() {
  fftw_destroy_plan(static_cast<fftw_plan>(plan_));
  fftw_free(out_);
  fftw_free(in_);
}

std::string LogMel::fft_plan() const {
  char* text = fftw_sprint_plan(static_cast<fftw_plan>(plan_));
  std::string plan(text);
  std::free(text);  // (fftw_sprint_plan's string is malloc'd)
  return plan;
}

std::vector<double> LogMel::operator()(std::span<const double> clip) {
  if (clip.size() != static_cast<size_t>(clip_length(sample_rate_))) {
    throw std::runtime_error(
        fmt::format("speech::LogMel: a clip of {} samples; at {} Hz the {} frames need {}",
                    clip.size(), sample_rate_, kFrames, clip_length(sample_rate_)));
  }
  const int bins = fft_size_ / 2 + 1;
  const auto* spectrum = static_cast<const fftw_complex*>(out_);
  std::vector<double> power(static_cast<size_t>(bins));
  std::vector<double> features(static_cast<size_t>(kBands * kFrames));  // [band][frame]
  for (int t = 0; t < kFrames; ++t) {
    // Frame t: samples t * hop ... t * hop + frame - 1, windowed, then zeros up to the FFT size.
    for (int i = 0; i < fft_size_; ++i) {
      in_[i] = i < frame_ ? clip[static_cast<size_t>(t * hop_ + i)] * window_[i] : 0.0;
    }
    fftw_execute(static_cast<fftw_plan>(plan_));
    for (int k = 0; k < bins; ++k) {
      power[k] = spectrum[k][0] * spectrum[k][0] + spectrum[k][1] * spectrum[k][1];  // |X_k|^2
    }
    for (int b = 0; b < kBands; ++b) {
      double energy = 0.0;  // (only the bins under the triangle: it is zero elsewhere)
      for (int k = first_bin_[b]; k <= last_bin_[b]; ++k) energy += triangles_[b][k] * power[k];
      features[static_cast<size_t>(b * kFrames + t)] = ag::portable::log(std::max(energy, 1e-10));
    }
  }
  return features;
}

// ---------------------------------------------------------------------------------------------
// Clips.

std::vector<double> place(const Sound& word, const Placement& how, ag::Generator& gen) {
  const int64_t length = clip_length(word.sample_rate);
  const auto n = static_cast<int64_t>(word.samples.size());
  // Where the word's first sample lands: centred, then shifted; parts outside the clip are cut.
  const auto shift = static_cast<int64_t>(
      std::lround(gen.uniform(-how.max_shift_seconds, how.max_shift_seconds) * word.sample_rate));
  const int64_t start = (length - n) / 2 + shift;

  double power = 0.0;  // the word's mean power, on the [-1, 1) scale
  for (int16_t s : word.samples) power += (s / 32768.0) * (s / 32768.0);
  power /= static_cast<double>(std::max<int64_t>(n, 1));
  const double noise_std = std::sqrt(power / ag::portable::pow(10.0, how.snr_db / 10.0));

  std::vector<double> clip(static_cast<size_t>(length));
  for (int64_t i = 0; i < length; ++i) {
    const int64_t j = i - start;  // the word's sample at clip position i
    const double signal = j >= 0 && j < n ? word.samples[static_cast<size_t>(j)] / 32768.0 : 0.0;
    clip[static_cast<size_t>(i)] = signal + gen.normal(0.0, noise_std);
  }
  return clip;
}

FeatureSet featurize(const std::vector<Utterance>& utterances, int copies, const Placement& how,
                     ag::Generator& gen) {
  std::map<int, std::unique_ptr<LogMel>> by_rate;  // one filter bank and plan per sample rate
  FeatureSet set;
  set.values.reserve(utterances.size() * copies * kBands * kFrames);
  for (const Utterance& u : utterances) {
    std::unique_ptr<LogMel>& log_mel = by_rate[u.sound.sample_rate];
    if (!log_mel) log_mel = std::make_unique<LogMel>(u.sound.sample_rate);
    for (int c = 0; c < copies; ++c) {
      const std::vector<double> features = (*log_mel)(place(u.sound, how, gen));
      set.values.insert(set.values.end(), features.begin(), features.end());
      set.labels.push_back(u.label);
    }
  }
  return set;
}

uint64_t fnv1a(std::span<const std::byte> bytes) {
  uint64_t h = 14695981039346656037ull;  // FNV's 64-bit offset basis
  for (std::byte b : bytes) {
    h ^= static_cast<uint64_t>(b);
    h *= 1099511628211ull;  // FNV's 64-bit prime
  }
  return h;
}
uint64_t hash_of(std::span<const double> values) { return fnv1a(std::as_bytes(values)); }
uint64_t hash_of(std::span<const int16_t> samples) { return fnv1a(std::as_bytes(samples)); }

// ---------------------------------------------------------------------------------------------
// WAV files: a RIFF header, then chunks; "fmt " says how the samples are stored, "data" holds
// them (little-endian). Only 16-bit PCM mono is read.

namespace {
uint32_t u32(const char* p) {
  const auto* b = reinterpret_cast<const unsigned char*>(p);
  return b[0] | (b[1] << 8) | (b[2] << 16) | (static_cast<uint32_t>(b[3]) << 24);
}
uint16_t u16(const char* p) {
  const auto* b = reinterpret_cast<const unsigned char*>(p);
  return static_cast<uint16_t>(b[0] | (b[1] << 8));
}
void put32(std::ofstream& f, uint32_t v) {
  for (int i = 0; i < 4; ++i) f.put(static_cast<char>((v >> (8 * i)) & 0xff));
}
void put16(std::ofstream& f, uint16_t v) {
  f.put(static_cast<char>(v & 0xff));
  f.put(static_cast<char>(v >> 8));
}
}  // namespace

Sound read_wav(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file)
    throw std::runtime_error(fmt::format("speech::read_wav: cannot open {}", path.string()));
  const std::string bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  auto fail = [&](const std::string& why) {
    return std::runtime_error(fmt::format(
        "speech::read_wav: {}: {} (16-bit PCM mono WAV files only)", path.string(), why));
  };
  if (bytes.size() < 12 || bytes.compare(0, 4, "RIFF") != 0 || bytes.compare(8, 4, "WAVE") != 0) {
    throw fail("not a RIFF/WAVE file");
  }
  Sound sound;
  bool have_format = false;
  for (size_t at = 12; at + 8 <= bytes.size();) {
    const std::string id = bytes.substr(at, 4);
    const uint32_t size = u32(&bytes[at + 4]);
    const size_t body = at + 8;
    if (body + size > bytes.size()) throw fail(fmt::format("the '{}' chunk is cut short", id));
    if (id == "fmt ") {
      if (size < 16) throw fail("a 'fmt ' chunk shorter than 16 bytes");
      const uint16_t format = u16(&bytes[body]), channels = u16(&bytes[body + 2]);
      const uint16_t bits = u16(&bytes[body + 14]);
      if (format != 1) throw fail(fmt::format("format {} (1 is PCM)", format));
      if (channels != 1) throw fail(fmt::format("{} channels", channels));
      if (bits != 16) throw fail(fmt::format("{}-bit samples", bits));
      sound.sample_rate = static_cast<int>(u32(&bytes[body + 4]));
      have_format = true;
    } else if (id == "data") {
      if (!have_format) throw fail("the 'data' chunk comes before 'fmt '");
      sound.samples.resize(size / 2);
      for (size_t i = 0; i < sound.samples.size(); ++i) {
        sound.samples[i] = static_cast<int16_t>(u16(&bytes[body + 2 * i]));
      }
      return sound;
    }
    at = body + size + (size % 2);  // chunks are padded to an even length
  }
  throw fail("no 'data' chunk");
}

void write_wav(const std::filesystem::path& path, const Sound& sound) {
  std::ofstream f(path, std::ios::binary);
  const auto data_bytes = static_cast<uint32_t>(2 * sound.samples.size());
  f.write("RIFF", 4);
  put32(f, 36 + data_bytes);
  f.write("WAVEfmt ", 8);
  put32(f, 16);                                            // the 'fmt ' chunk's size
  put16(f, 1);                                             // PCM
  put16(f, 1);                                             // one channel
  put32(f, static_cast<uint32_t>(sound.sample_rate));      // samples per second
  put32(f, static_cast<uint32_t>(2 * sound.sample_rate));  // bytes per second
  put16(f, 2);                                             // bytes per sample
  put16(f, 16);                                            // bits per sample
  f.write("data", 4);
  put32(f, data_bytes);
  for (int16_t s : sound.samples) put16(f, static_cast<uint16_t>(s));
  if (!f)
    throw std::runtime_error(fmt::format("speech::write_wav: cannot write {}", path.string()));
}

std::vector<Utterance> read_word_folder(const std::filesystem::path& dir) {
  if (!std::filesystem::is_directory(dir)) {
    throw std::runtime_error(
        fmt::format("speech::read_word_folder: {} is not a folder", dir.string()));
  }
  std::vector<std::filesystem::path> files;
  for (const auto& sub : std::filesystem::directory_iterator(dir)) {
    if (!sub.is_directory() || label_of(sub.path().filename().string()) < 0) continue;
    for (const auto& f : std::filesystem::directory_iterator(sub.path())) {
      if (f.is_regular_file() && f.path().extension() == ".wav") files.push_back(f.path());
    }
  }
  std::sort(files.begin(), files.end());  // (a folder lists its files in no fixed order)
  std::vector<Utterance> out;
  for (const auto& f : files) {
    out.push_back({label_of(f.parent_path().filename().string()), f.string(), read_wav(f)});
  }
  return out;
}

}  // namespace speech
