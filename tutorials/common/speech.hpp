// speech.hpp — spoken words made on this machine, and the log-mel features a model reads.
//
// Tutorial 12 classifies six spoken words, "yes", "no", "up", "down", "left" and "right" (six of
// the words of Google's Speech Commands task, Warden 2018, arXiv:1804.03209), with no recording
// and no download: the words are spoken by the speech synthesizer espeak-ng (Debian's
// libespeak-ng), in-process, over voice variants, speeds and pitches. Each spoken word is then
// placed in a one-second clip at a random time, with random noise, and turned into what the model
// reads: a log-mel spectrogram of 40 mel bands x 80 time frames.
//
//   word, voice ──espeak-ng──▶ samples (16-bit, 22050 Hz) ──place + noise──▶ 1 s clip (doubles)
//        ──frames of 25 ms every 12.5 ms, Hann window, FFT (FFTW)──▶ power spectrum per frame
//        ──40 triangular mel filters, log──▶ features [40 bands][80 frames]
//
// What a mel band is. The ear does not hear pitch linearly in hertz: 100 Hz to 200 Hz sounds like
// a much larger step than 5000 Hz to 5100 Hz. The mel scale is a frequency scale on which equal
// steps sound like equal steps of pitch; this file uses the formula of the HTK toolkit,
//
//     mel(f) = 2595 log10(1 + f / 700)                    (f in Hz)
//
// (O'Shaughnessy, "Speech Communication: Human and Machine", Addison-Wesley 1987; Young et al.,
// "The HTK Book", section 5.4). Forty points evenly spaced in mel between 20 Hz and 8000 Hz are
// the centres of 40 bands; band b is a triangle over the FFT's frequency bins, rising from 0 at
// the centre of band b-1 to 1 at its own centre and falling to 0 at the centre of band b+1. So the
// low bands are narrow (tens of Hz: the voice's fundamental and first formants) and the high bands
// wide (hundreds of Hz: the hiss of "s" in "yes"). A band's energy in one frame is the power
// spectrum weighted by its triangle and summed; the feature is its natural log (floored at 1e-10,
// silence's value), because loudness, too, is heard on a log scale.
//
// Byte-identical run to run. espeak-ng keeps state from word to word and draws from the C
// library's rand(), so speak() starts it afresh in a child process each time and seeds rand()
// before every word: the same voices give the same samples every time. The placement and the
// noise come from an ag::Generator the caller seeds. FFTW is planned with FFTW_ESTIMATE, which
// picks its algorithm without timing anything, and FFTW_NO_SIMD, which leaves out the codelets it
// would pick by the CPU; with ag::portable's log, cos and pow (autograd/fast/kernels.hpp), every
// x86-64 CPU computes the same features.
// Tests: tests/tutorials/speech_test.cpp.
//
// Your own recordings. read_wav() reads 16-bit PCM mono WAV files at any sample rate (the features
// are computed at the file's own rate), and read_word_folder() reads a folder laid out as Speech
// Commands is: one sub-folder per word, named as the word, holding its .wav files:
//
//     my_words/yes/001.wav   my_words/yes/002.wav   my_words/no/001.wav   ...
//
// write_wav() writes the same format (tutorial 12 --save-wavs DIR writes the synthetic words so).
//
// What this file leaves out: resampling (a clip keeps its rate), pre-emphasis, the DCT that turns
// log-mel energies into MFCCs (the convolution reads the bands themselves), voice activity
// detection, and stereo or compressed audio.
#pragma once

#include <autograd/random.hpp>

#include <array>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace speech {

inline constexpr int kBands = 40;   // mel bands: the rows of the spectrogram
inline constexpr int kFrames = 80;  // time frames: its columns
// The six words, in the order of their class labels 0..5.
inline constexpr std::array<std::string_view, 6> kWords = {"yes",  "no",   "up",
                                                           "down", "left", "right"};
inline constexpr int kClasses = static_cast<int>(kWords.size());

// The class label of a word, or -1 for a word that is not one of the six.
int label_of(std::string_view word);

// A sound as a WAV file holds it: 16-bit samples, one channel.
struct Sound {
  std::vector<int16_t> samples;
  int sample_rate = 0;
};

// ----- speaking
// ------------------------------------------------------------------------------------

// How espeak-ng speaks: a variant of its English voice (a file in espeak-ng-data/voices/!v:
// "m3", "f2", "klatt", "croak", ...), the speed in words per minute (espeak-ng's default is 175)
// and the pitch (0..99, default 50).
struct Voice {
  std::string variant;
  int words_per_minute = 175;
  int pitch = 50;
};

// A word said by espeak-ng, labelled, with who said it (for splitting by voice).
struct Utterance {
  int label = 0;
  std::string voice;  // "m3 175wpm pitch 50", or the file's path for a recording
  Sound sound;
};

// The six words in each voice, in the order voice 0's "yes", "no", ..., "right", voice 1's "yes",
// ...; at espeak-ng's sample rate, 22050 Hz. The same voices give the same samples on every call
// and every run: each call starts espeak-ng afresh in a child process (speech.cpp says why).
// Throws std::runtime_error when espeak-ng or its data (espeak-ng-data) is missing, or a voice
// variant is unknown.
std::vector<Utterance> speak(const std::vector<Voice>& voices);
// "m3 175wpm pitch 50"
std::string describe(const Voice& voice);

// ----- the features
// --------------------------------------------------------------------------------

// The clip the features are computed over, in samples at `sample_rate`: 80 frames of 25 ms,
// 12.5 ms apart, span (80 - 1) * 12.5 + 25 = 1012.5 ms.
int frame_length(int sample_rate);  // 25 ms
int frame_hop(int sample_rate);     // 12.5 ms
int clip_length(int sample_rate);   // (kFrames - 1) * hop + frame

// The log-mel spectrogram of one clip of clip_length(sample_rate) samples (as doubles in [-1, 1]):
// kBands * kFrames values, band-major ([band][frame]: row b is band b over time; band 0 is the
// lowest). Holds FFTW's plan and the filter bank for one sample rate; not copyable.
class LogMel {
 public:
  explicit LogMel(int sample_rate);
  ~LogMel();
  LogMel(const LogMel&) = delete;
  LogMel& operator=(const LogMel&) = delete;

  std::vector<double> operator()(std::span<const double> clip);

  int sample_rate() const { return sample_rate_; }
  // The centre of each band in Hz (kBands + 2 edges: band b spans edges b..b+2, peaks at b+1).
  const std::vector<double>& band_edges_hz() const { return edges_hz_; }
  // FFTW's plan, as fftw_sprint_plan writes it: which codelets the transform runs.
  std::string fft_plan() const;

 private:
  int sample_rate_, frame_, hop_, fft_size_;
  std::vector<double> window_;                  // Hann, frame_ values
  std::vector<std::vector<double>> triangles_;  // [band][FFT bin], fft_size_ / 2 + 1 bins
  std::vector<int> first_bin_, last_bin_;       // where each triangle is not zero (inclusive)
  std::vector<double> edges_hz_;
  double* in_ = nullptr;  // fft_size_ real samples (FFTW's aligned memory)
  void* out_ = nullptr;   // fft_size_ / 2 + 1 complex bins
  void* plan_ = nullptr;  // fftw_plan
};

double mel_of_hz(double hz);   // 2595 log10(1 + hz / 700)
double hz_of_mel(double mel);  // its inverse: 700 (10^(mel / 2595) - 1)

// ----- clips: a word at a random time, in noise
// ----------------------------------------------------

// How a word becomes a training or test clip.
struct Placement {
  double max_shift_seconds = 0.15;  // the word's middle lands uniformly within this of the clip's
  double snr_db = 10.0;             // white noise this many dB below the word's own power
};

// The word, its middle moved from the clip's middle by a random shift, plus Gaussian white noise
// at the given signal-to-noise ratio (the word's mean power, silences included, over the
// noise's); samples scaled to [-1, 1). clip_length(rate) samples; a word longer than the clip is
// cut at both ends.
std::vector<double> place(const Sound& word, const Placement& how, ag::Generator& gen);

// ----- data sets
// ---------------------------------------------------------------------------------

// A feature set: n examples, each kBands * kFrames values, in one flat array [n][band][frame].
struct FeatureSet {
  std::vector<double> values;
  std::vector<int64_t> labels;
  int64_t size() const { return static_cast<int64_t>(labels.size()); }
};

// `copies` clips of each utterance, each placed and noised afresh from gen, in the order
// utterance 0 copy 0, utterance 0 copy 1, ...; each at its own sample rate.
FeatureSet featurize(const std::vector<Utterance>& utterances, int copies, const Placement& how,
                     ag::Generator& gen);

// A 64-bit FNV-1a hash of the bytes of some values: two runs made the same data exactly when it
// is equal (the tests compare it).
uint64_t fnv1a(std::span<const std::byte> bytes);
uint64_t hash_of(std::span<const double> values);
uint64_t hash_of(std::span<const int16_t> samples);

// ----- WAV files
// ----------------------------------------------------------------------------------

// A RIFF/WAVE file of 16-bit PCM, one channel. Throws std::runtime_error naming the file and what
// it holds instead (e.g. "2 channels", "8-bit") for any other kind.
Sound read_wav(const std::filesystem::path& path);
void write_wav(const std::filesystem::path& path, const Sound& sound);

// Every .wav file in dir/<word>/ for the six words (other folders are skipped), sorted by path:
// your own recordings, as utterances labelled by their folder.
std::vector<Utterance> read_word_folder(const std::filesystem::path& dir);

}  // namespace speech
