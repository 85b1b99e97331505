// tape.hpp — the tape: every differentiable operation, in the order it ran.
//
// This is the heart of reverse mode. While a Tape object is alive (and no NoGradGuard is), every
// op appends one Node: its name, the indices of its inputs' nodes, the tensor it produced, and the
// function that pushes a gradient from that output back into the inputs. backward() seeds the
// output's gradient with 1 and walks the list once, from the root back to the start. This is
// the loop of Tape::reverse_loop (tape.cpp), line for line:
//
//     root.grad = seed                                  // d root / d root = 1
//     for (i = root + 1; i-- > 0;) {                    // root, root - 1, ..., 0
//       const Node& n = nodes[i];
//       if (n is a leaf, or no gradient reached it) continue;
//       n.backward(tape, n);                            // adds (+=) into its inputs' grads
//     }
//
// (The code adds, each on a line of its own: the check that no input or result of the op was
// changed in place since it ran (TensorImpl::version), which can stop the pass; and optional
// observers around the rule: edge gradients for pictures, DetectAnomalyGuard's check, freeing a
// gradient nothing needs any more. It also skips a node whose result takes no gradient at all.)
//
// Creation order is already a topological order (an op's inputs exist before it runs), so no
// graph search, no recursion and no stack depth that grows with the graph: a chain of a million
// ops is a loop of a million steps.
//
// Ownership: the tape owns its nodes and each node owns its output tensor. Inputs are named by
// index, never by pointer, and a backward function owns nothing. Destroying the tape frees every
// node; tensors the user still holds keep their values (but gradients cannot flow through them).
//
// Which tape records: each thread has a stack of the tapes made on it, and an op records on the
// newest one still alive (tapes nest like scopes). Tapes may be destroyed in any order and on any
// thread: a destroyed tape is taken out of its stack wherever it sits, so a freed tape never
// becomes current again.
//
// Threads. One model, several threads, a Tape each (data parallelism, as PyTorch allows):
//   - Safe at the same time: each thread recording on its own tape and running backward on it,
//     with the same parameters (leaves) and the same constant inputs used by all of them. A
//     parameter's gradient then receives every pass's contribution, exactly once: during a pass,
//     what flows into a parameter collects on the tape (leaf_grads_, which no other thread sees),
//     and at the end of the pass it is added into the parameter's .grad under one lock
//     (merge_leaf_gradients in tape.cpp). The reverse loop itself takes no lock and no atomic.
//     (Each tape also writes into a leaf a note of where the leaf sits on it; tapes read that
//     note as an atomic and check it against their own nodes, see find_or_add_node.)
//   - Not safe while another thread records with a parameter or runs backward into it: changing
//     its values or its requires_grad (an optimizer step, an initialiser, loading a checkpoint);
//     nor, while another thread runs backward into it, reading its gradient (grad(),
//     grad_data(), has_grad()) or zero_grad(). Join the threads (or wait at a barrier) first: as
//     in PyTorch, optimizer.step() and zero_grad() must not run while another thread runs
//     backward. Only the sum is promised, not the order of its terms: with numbers that round,
//     two runs may differ in the last bits, as additions in another order do.
//   - A tape belongs to the thread that made it: recording on it or running its backward from
//     another thread, or destroying it while its thread records on it, is a data race, as for any
//     object. Op results likewise belong to their tape's thread; hand one to another thread as
//     detach() (or read it after joining). tape_id() and node_index() of a leaf used by several
//     threads name whichever tape used it last; they mean nothing while those threads run.
//   - Also safe at the same time, as they take a lock: drawing from one shared ag::Generator
//     (random.hpp: one lock per call, so each call's numbers are a whole block of its sequence;
//     ag::uniform, ag::normal and a training-mode Dropout's mask are one call each), and
//     BatchNorm1d's running statistics in training mode (normalization.cpp: each thread's batch
//     updates them once). Which thread draws which block, and the order of the statistics'
//     updates, are the scheduler's: a multi-threaded run with Dropout is reproducible only up to
//     that order. Generator::engine() bypasses the lock (one thread only).
//   - Not safe either: switching a module's mode (train() / eval()) or loading its state while
//     another thread runs it; join the threads first, as for an optimizer step.
// tests/autograd/threading_test.cpp and tests/nn/threading_test.cpp hold this to account, under
// ThreadSanitizer too (`./run tsan`).
//
// What this file leaves out: higher-order gradients (backward functions compute with raw loops,
// not with recorded ops) and recording one graph from several threads (one current tape per
// thread).
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "autograd/tensor.hpp"

namespace ag {

class Tape;
struct Node;
namespace detail {
struct TapeStack;  // the tapes made on one thread (tape.cpp)
}

// The gradient rule of one op: reads the node's output gradient and adds (+=) into its inputs'.
using BackwardFn = void (*)(const Tape& tape, const Node& node);

struct Node {
  Node() {}  // NOLINT: not `= default` (no zeroing pass: autograd/src/fast/README.md)
  std::shared_ptr<TensorImpl> out;  // the tensor this op produced (for a leaf: the leaf itself)
  const char* op = "";              // "mul", "tanh", ... or "leaf" / "const" for inputs
  BackwardFn backward = nullptr;    // null for leaves and constants
  uint32_t first_input = 0;         // where this node's inputs start in the tape's input list
  uint32_t input_count = 0;         // how many (tape.inputs_of(node): those input_count indices)
  uint32_t scope = 0;               // index into tape.scopes(); 0 is the root scope ""
  uint32_t saved = 0;               // where what the op saved for backward starts on the tape
                                    // (0: nothing); read it with tape.saved<Settings>(node)
  uint32_t version = 0;             // out's version (TensorImpl::version) when recorded
};

// What an op saves for its backward, minitorch's ctx.save_for_backward: a small struct of its
// own settings (numbers only: an axis, a slope, clamp's bounds) and, for the ops that need one,
// a list of indices (max's argmax, gather's offsets). Made by save() as the op records:
//
//     struct SliceSettings { int64_t axis, start, end; };
//     record(kSlice.name, {&self}, result, &slice_backward, save(SliceSettings{axis, s, e}));
//     ... and in slice_backward:  const auto [axis, start, end] = tape.saved<SliceSettings>(node);
//
// The tape copies both into one array of its own, beside the nodes, so a node stays small and
// saving allocates nothing per node. An op without settings saves nothing.
struct Saved {
  const void* bytes = nullptr;  // the settings struct, copied as bytes
  size_t size = 0;
  std::span<const int64_t> indices;
};
template <class Settings>
Saved save(const Settings& settings, std::span<const int64_t> indices = {}) {
  static_assert(std::is_trivially_copyable_v<Settings> && alignof(Settings) <= 8,
                "an op's settings are plain numbers, copied as bytes");
  return {&settings, std::is_empty_v<Settings> ? 0 : sizeof(Settings), indices};
}
inline Saved save_indices(std::span<const int64_t> indices) { return {nullptr, 0, indices}; }

struct BackwardOptions {
  // Allow backward() to run again over this graph (PyTorch's retain_graph). Without it a second
  // pass is refused, as in PyTorch, where the first pass frees what the rules saved; the tape
  // itself keeps its nodes either way, until it is destroyed.
  bool retain_graph = false;
  // Also record, for every edge, the norm of the gradient that flowed along it (for graph
  // dumps: edge pen width). Costs a copy of each input's gradient per node, so it is opt-in.
  bool record_edge_grads = false;
  // Keep the gradient of every op result after the pass, for printing and pictures. A training
  // loop that needs only its parameters' gradients can pass false: each op result's gradient is
  // then freed as soon as its own rule has used it (as PyTorch does by default): an MLP's pass
  // then ends holding its op results' values without their gradients. (A one-number gradient lives
  // inside its tensor, fast/buffer.hpp, so the scalar engine frees nothing.) Leaves keep theirs
  // either way.
  bool keep_grads = true;
};

class Tape {
 public:
  Tape();
  ~Tape();
  Tape(const Tape&) = delete;
  Tape& operator=(const Tape&) = delete;

  // The tape recording on this thread, or nullptr (none alive, or inside a NoGradGuard).
  static Tape* current();

  // --- looking at it ---
  uint64_t id() const { return id_; }
  size_t size() const { return nodes_.size(); }
  // node(i), inputs_of(i), tensor(i), scope_name(s), edge_grad_norm(i, k), local_derivatives(i)
  // and elementwise_derivatives(i) throw IndexError for an index past the end.
  const Node& node(size_t i) const { return nodes_[check_node_index(i, "node")]; }
  const std::vector<Node>& nodes() const { return nodes_; }
  // The node indices of node i's inputs.
  std::span<const uint32_t> inputs_of(size_t i) const {
    return inputs_of(nodes_[check_node_index(i, "inputs_of")]);
  }
  std::span<const uint32_t> inputs_of(const Node& n) const {
    return {inputs_.data() + n.first_input, n.input_count};
  }
  const std::string& scope_name(uint32_t scope) const;
  const std::vector<std::string>& scopes() const { return scopes_; }
  // A handle to the tensor at node i (shares it; reading values after backward shows grads).
  Tensor tensor(size_t i) const { return Tensor(nodes_[check_node_index(i, "tensor")].out); }
  // Whether a backward pass has run (and, if it did not retain the graph, the tape takes no
  // other: tape.hpp's BackwardOptions::retain_graph).
  bool backward_done() const { return backward_runs_ > 0; }
  // With record_edge_grads: norm of the gradient that flowed from node i into its k-th input;
  // negative when not recorded (or no gradient flowed along that edge, or k is past its inputs).
  double edge_grad_norm(size_t i, size_t k) const;
  // Whether the last backward pass recorded edge gradient norms.
  bool edge_grads_recorded() const { return !edge_grad_norm_.empty(); }
  // For a node whose output is a scalar: d output / d input_k, one entry per input element
  // (empty for an input that needs no gradient), computed by running the node's own backward
  // rule with an output gradient of 1. Every gradient is put back as it was, so the tape is
  // unchanged (hence const). If one tensor is both inputs (a * a), each entry holds the sum of
  // both paths (2a).
  std::vector<std::vector<double>> local_derivatives(size_t i) const;
  // For an elementwise op with one input (op_info(op)->elementwise: relu, sigmoid, clamp...):
  // d result[j] / d self[j] for every element j, by running its backward rule with an output
  // gradient of ones; empty for any other op. What a picture reads to call a unit off or
  // saturated: the engine's own derivative, written once, in the op's source.
  std::vector<double> elementwise_derivatives(size_t i) const;

  // The tape as a table: index, op, inputs, scope, shape, value summary, gradient summary.
  std::string to_string(size_t max_rows = 200) const;
  void print(std::FILE* out = stdout, size_t max_rows = 200) const;

  // --- backward ---
  // Seeds d root / d root = 1 (root must hold one element), then runs every node's backward
  // rule from root down to the first node. Leaf gradients accumulate (+=) across calls and
  // tapes; the gradients of non-leaf tensors are recomputed by each pass.
  // A pass that throws (e.g. an AnomalyError under DetectAnomalyGuard) leaves no trace: every
  // leaf's gradient is as it was before the call and op results hold none, so the tape may run
  // again (if the graph was retained before) and gives what a first pass would. (PyTorch leaves a
  // parameter's .grad alone until all its contributions have arrived, so in the common case it,
  // too, leaves nothing behind; here it is a promise.)
  void backward(const Tensor& root, BackwardOptions options = {});
  // The same, seeded with an explicit gradient of root's shape (vector-Jacobian product).
  void backward(const Tensor& root, const Tensor& gradient, BackwardOptions options = {});

  // --- recording (used by the ops, not usually by learners) ---
  // Appends a node for `out` made by `op` from `inputs`, and stamps out with its place here.
  // Returns the new node's index.
  // (Inputs are passed by pointer: copying a Tensor handle costs two atomic counter updates,
  // which the scalar engine would pay on every op.)
  // `saved` is what the op keeps for its backward (see Saved above).
  uint32_t record(const char* op, std::span<const Tensor* const> inputs,
                  const std::shared_ptr<TensorImpl>& out, BackwardFn backward, Saved saved = {});
  // The node index for tensor t on this tape, appending a "leaf" or "const" node if t is not on
  // it yet. A TapeError for an op result that requires grad from another tape (live or gone:
  // gradients cannot flow between tapes; one that requires none is taken as a constant) and for
  // a result computed from parameters while no tape recorded; under DetectAnomalyGuard an
  // AnomalyError for a leaf holding NaN or Inf.
  uint32_t find_or_add_node(const Tensor& t, const char* op_for_error);

  // --- used inside backward functions ---
  // (The tape owns its nodes, not the tensors' numbers: a const tape still hands out tensors.)
  TensorImpl& input(const Node& n, size_t k) const {
    return *nodes_[inputs_[n.first_input + k]].out;
  }
  // The gradient buffer of input k to add into, allocated (zeros) on first use;
  // nullptr if that input does not require grad. For an op result, its own gradient; for a
  // parameter, this tape's share of it (added into its .grad when the pass ends).
  double* input_grad(const Node& n, size_t k) const;
  // The settings struct the op saved as it recorded n (a copy; see Saved above).
  template <class Settings>
  Settings saved(const Node& n) const {
    Settings settings{};
    if constexpr (!std::is_empty_v<Settings>) {
      std::memcpy(&settings, saved_.data() + n.saved + 1 + saved_[n.saved], sizeof settings);
    }
    return settings;
  }
  // The indices it saved (empty if none).
  std::span<const int64_t> saved_indices(const Node& n) const {
    return {saved_.data() + n.saved + 1, static_cast<size_t>(saved_[n.saved])};
  }

 private:
  void run_backward(const Tensor& root, const Buffer& seed, BackwardOptions options);
  uint32_t check_root(const Tensor& root) const;
  uint32_t add_node(const Tensor& t, const char* op_for_error, uint64_t recorded_on);
  void reverse_loop(uint32_t root, const Buffer& seed, BackwardOptions options);
  void clear_op_result_grads(uint32_t root);
  Buffer* grad_buffer(uint32_t i) const;
  void merge_leaf_gradients();
  // The loop's observers (tape_inspect.cpp and tape.cpp): each runs only when asked for.
  void set_aside_input_grads(const Node& n, std::vector<Buffer>& set_aside) const;
  void measure_and_restore_input_grads(const Node& n, std::vector<Buffer>& set_aside);
  void check_input_grads_finite(uint32_t i) const;
  void check_unchanged(uint32_t i) const;
  uint32_t store_saved(Saved saved);
  std::vector<double> rule_with_seed_of_ones(const Node& n, size_t k, bool any_input) const;
  uint32_t current_scope();
  // i itself, or an IndexError naming `who`, i and the tape's size.
  size_t check_node_index(size_t i, const char* who) const {
    if (i >= nodes_.size()) throw_bad_node_index(i, who);
    return i;
  }
  [[noreturn]] void throw_bad_node_index(size_t i, const char* who) const;

  uint64_t id_;
  std::shared_ptr<detail::TapeStack> stack_;  // the stack of the thread that made this tape
  std::vector<Node> nodes_;
  std::vector<uint32_t> inputs_;          // all nodes' input indices, back to back
  std::vector<uint32_t> input_versions_;  // parallel to inputs_: each input's version when read
  std::vector<int64_t> saved_;            // what the ops saved: for each, the length of its index
                                          // list, the list, then its settings' bytes; saved_[0] = 0
                                          // is "nothing saved"
  std::vector<double> edge_grad_norm_;    // parallel to inputs_, when recorded
  std::vector<std::string> scopes_;       // scope names; scopes_[0] == ""
  std::unordered_map<std::string, uint32_t> scope_index_;
  // What flows into each parameter during a pass collects here, one row per parameter on this
  // tape, and joins the parameter's .grad at the end of the pass (merge_leaf_gradients): other
  // threads' tapes may be adding into the same parameters. (Mutable: the backward rules write
  // gradients through a const tape, as they write op results' gradients.)
  struct LeafGradient {
    uint32_t node;  // the parameter's node on this tape
    Buffer grad;    // empty until something flows into it in this pass
  };
  mutable std::vector<LeafGradient> leaf_grads_;
  // The gradient lent to an input that takes none while rule_with_seed_of_ones asks what would
  // reach it (tape_inspect.cpp); node is UINT32_MAX otherwise.
  struct Probe {
    uint32_t node = UINT32_MAX;
    Buffer grad;
  };
  mutable Probe probe_;
  std::vector<uint32_t> leaf_row_;  // node index -> its row in leaf_grads_ (at parameter nodes)
  // Parameter -> its node here. A parameter's own note of its node (TensorImpl::node) is
  // overwritten by whichever tape uses it last; with tapes on other threads using it too, this is
  // how it stays one node per tape. (One entry per parameter per tape, made at its first use.)
  std::unordered_map<const TensorImpl*, uint32_t> parameter_nodes_;
  uint64_t in_place_writes_at_start_;  // see reverse_loop: whether versions need checking
  int backward_runs_ = 0;
  bool retained_ = true;
  size_t nodes_at_backward_ = 0;  // the tape's size when the last backward pass ran
};

// ---------------------------------------------------------------------------------------------
// Scopes: names for where a node was made, e.g. "lstm/t=3". Nested guards join with "/". The
// graph dumps cluster and fold by them. A thread-local stack, so modules may open scopes whether
// or not a tape is recording.
class ScopeGuard {
 public:
  explicit ScopeGuard(std::string_view name);
  ~ScopeGuard();
  ScopeGuard(const ScopeGuard&) = delete;
  ScopeGuard& operator=(const ScopeGuard&) = delete;
  // The full current scope name ("" at top level).
  static const std::string& current();

 private:
  size_t previous_length_;
};

// While alive, nothing is recorded on this thread (evaluation, optimizer updates).
class NoGradGuard {
 public:
  NoGradGuard();
  ~NoGradGuard();
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;
  static bool active();

 private:
  bool previous_;
};

// While alive, the first NaN or Inf produced by an op (forward) or by a backward rule throws an
// AnomalyError naming the op, its tape index and its scope; so does a leaf or a constant holding
// NaN or Inf as it enters a tape (its first use there), naming the tensor if it has a name.
class DetectAnomalyGuard {
 public:
  DetectAnomalyGuard();
  ~DetectAnomalyGuard();
  DetectAnomalyGuard(const DetectAnomalyGuard&) = delete;
  DetectAnomalyGuard& operator=(const DetectAnomalyGuard&) = delete;
  static bool active();

 private:
  bool previous_;
};

}  // namespace ag
