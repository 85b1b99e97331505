// module.cpp — parameter registration, dotted names, the module tree, and Sequential.
#include "nn/module.hpp"

#include <fmt/format.h>

#include <ostream>
#include <unordered_set>

namespace ag::nn {

Module::Module(std::string name) : name_(std::move(name)), path_(name_) {}

void Module::set_name(std::string name) {
  name_ = std::move(name);
  set_path(name_);
}

// ----- registration ------------------------------------------------------------------------------
Tensor Module::register_parameter(const std::string& name, Tensor value) {
  if (!value.defined()) {
    throw ValueError(fmt::format("{}: parameter '{}' is an empty Tensor handle", path_, name));
  }
  if (!value.is_leaf()) {
    // A parameter must be a leaf: its gradient accumulates across tapes. An op result would
    // carry a link to the tape that made it.
    throw ValueError(fmt::format("{}: parameter '{}' was made by an op; pass a leaf (detach() it)",
                                 path_, name));
  }
  value.requires_grad_(true);
  value.set_name(path_.empty() ? name : path_ + "." + name);
  params_.emplace_back(name, value);
  return value;
}

Tensor Module::register_buffer(const std::string& name, Tensor value) {
  if (!value.defined()) {
    throw ValueError(fmt::format("{}: buffer '{}' is an empty Tensor handle", path_, name));
  }
  if (!value.is_leaf() || value.requires_grad()) {
    // A buffer is updated in place, outside any tape: no gradient may flow into it.
    throw ValueError(fmt::format(
        "{}: buffer '{}' must be a leaf without requires_grad (detach() it)", path_, name));
  }
  value.set_name(path_.empty() ? name : path_ + "." + name);
  buffers_.emplace_back(name, value);
  return value;
}

namespace {
// Whether `target` is `root` or one of its descendants. An explicit stack, not recursion: the
// tree may be deep, and this runs before a loop could form.
bool is_within(const Module& root, const Module& target) {
  std::vector<const Module*> stack = {&root};
  std::unordered_set<const Module*> seen;  // a module used twice is searched once
  while (!stack.empty()) {
    const Module* m = stack.back();
    stack.pop_back();
    if (m == &target) return true;
    if (!seen.insert(m).second) continue;
    for (const Module* child : m->children()) stack.push_back(child);
  }
  return false;
}
}  // namespace

void Module::register_module(const std::string& name, Module& child) {
  // A module inside itself would make every walk of the tree (parameters(), names, printing)
  // go round forever.
  if (is_within(child, *this)) {
    throw ValueError(
        fmt::format("{}: cannot register '{}' as child '{}': {} (the module tree would loop)",
                    path_, child.path_, name,
                    &child == this ? "it is this module itself" : "it contains this module"));
  }
  const bool named_here = !child.has_parent_;
  if (named_here) {
    child.has_parent_ = true;
    child.name_ = name;
    child.set_path(path_.empty() ? name : path_ + "." + name);
  }
  children_.push_back(&child);
  child_names_.push_back({name, named_here});
}

void Module::set_path(const std::string& path) {
  path_ = path;
  for (auto& [name, tensor] : params_) tensor.set_name(path_ + "." + name);
  for (auto& [name, tensor] : buffers_) tensor.set_name(path_ + "." + name);
  for (size_t k = 0; k < children_.size(); ++k) {
    if (child_names_[k].named_here) children_[k]->set_path(path_ + "." + children_[k]->name_);
  }
}

// ----- looking at the tree -----------------------------------------------------------------------
// `seen` holds the tensors already listed: a tied one is listed at its first place only.
void Module::collect(std::vector<NamedTensor>& out, std::unordered_set<const TensorImpl*>& seen,
                     Collect what) const {
  const auto add = [&](const std::vector<std::pair<std::string, Tensor>>& list) {
    for (const auto& [name, tensor] : list) {
      if (seen.insert(&tensor.impl()).second) out.push_back({tensor.name(), tensor});
    }
  };
  if (what.parameters) add(params_);
  if (what.buffers) add(buffers_);
  for (const Module* child : children_) child->collect(out, seen, what);
}

std::vector<NamedTensor> Module::named_parameters() const {
  std::vector<NamedTensor> out;
  std::unordered_set<const TensorImpl*> seen;
  collect(out, seen, {.parameters = true, .buffers = false});
  return out;
}

std::vector<NamedTensor> Module::named_buffers() const {
  std::vector<NamedTensor> out;
  std::unordered_set<const TensorImpl*> seen;
  collect(out, seen, {.parameters = false, .buffers = true});
  return out;
}

std::vector<NamedTensor> Module::state_dict() const {
  std::vector<NamedTensor> out;
  std::unordered_set<const TensorImpl*> seen;
  collect(out, seen, {.parameters = true, .buffers = true});
  return out;
}

// An explicit stack, not recursion, like is_within above; a module used twice is set once.
Module& Module::train(bool mode) {
  std::vector<Module*> stack = {this};
  std::unordered_set<const Module*> seen;
  while (!stack.empty()) {
    Module* m = stack.back();
    stack.pop_back();
    if (!seen.insert(m).second) continue;
    m->training_ = mode;
    for (Module* child : m->children_) stack.push_back(child);
  }
  return *this;
}

std::vector<Tensor> Module::parameters() const {
  std::vector<Tensor> out;
  for (NamedTensor& p : named_parameters()) out.push_back(std::move(p.tensor));
  return out;
}

int64_t Module::num_parameters() const {
  int64_t total = 0;
  for (const Tensor& p : parameters()) total += p.numel();
  return total;
}

void Module::zero_grad() {
  for (Tensor& p : parameters()) p.zero_grad();
}

void Module::print_tree(std::string& out, int indent) const {
  out += fmt::format("{}({})", type_name(), extra_repr());
  if (children_.empty()) return;
  out.pop_back();  // reopen the parenthesis to list the children inside it
  if (!extra_repr().empty()) out += ",";
  out += "\n";
  for (size_t k = 0; k < children_.size(); ++k) {
    out += fmt::format("{:{}}({}): ", "", indent + 2, child_names_[k].name);
    children_[k]->print_tree(out, indent + 2);
    out += "\n";
  }
  out += fmt::format("{:{}})", "", indent);
}

std::string Module::to_string() const {
  std::string out;
  print_tree(out, 0);
  return out;
}

std::ostream& operator<<(std::ostream& out, const Module& module) {
  return out << module.to_string();
}

// ----- Sequential --------------------------------------------------------------------------------
Sequential::Sequential(std::string name) : UnaryModule(std::move(name)) {}

Sequential::Sequential(std::string name,
                       std::initializer_list<std::shared_ptr<UnaryModule>> modules)
    : UnaryModule(std::move(name)) {
  for (const auto& m : modules) add(m);
}

Sequential& Sequential::add(std::shared_ptr<UnaryModule> module) {
  if (!module) throw ValueError(fmt::format("Sequential '{}': add() got a null module", path()));
  register_module(std::to_string(modules_.size()), *module);
  modules_.push_back(std::move(module));
  return *this;
}

UnaryModule& Sequential::operator[](size_t i) const {
  if (i >= modules_.size()) {
    throw IndexError(fmt::format("Sequential '{}': index {} out of range ({} modules)", path(), i,
                                 modules_.size()));
  }
  return *modules_[i];
}

Tensor Sequential::forward(const Tensor& input) {
  ScopeGuard scope(name());
  Tensor x = input;
  for (const auto& m : modules_) x = m->forward(x);
  return x;
}

}  // namespace ag::nn
