// A plan report's Markdown as CommonMark renders it, read with md4c
// (docs/plan-validate.md "What is read"): GitHub's dialect (tables, task
// lists, strikethrough, autolinks), so that the gate reads what a reader of
// the rendered report sees. What the gate needs is kept, in document order:
// headings (rendered text, level), tables (rendered text pieces with their
// row, md4c column and source offset), paragraph lines whose rendered text
// starts with '|', short paragraphs and list items (a title that is not a
// heading), and whether a task item "[x] Approved" renders. Text in
// code blocks and raw HTML is never read. Include
// okstra/clarification/clarification.hpp.
#pragma once

#include <md4c.h>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "okstra/clarification/detail/entities.hpp"
#include "okstra/clarification/detail/pipe_table.hpp"
#include "okstra/clarification/detail/text.hpp"

namespace okstra::clarification::detail {

// md4c's flags: GitHub's dialect (tables, task lists, strikethrough, autolinks).
inline constexpr unsigned markdown_flags = MD_DIALECT_GITHUB;

// A piece of rendered table text and where its source lies in the report.
struct cell_piece {
  std::size_t row = 0;     // 0 the header, then the body rows
  std::size_t column = 0;  // md4c's cell index in the row
  std::string text;
  std::optional<std::size_t> offset;  // none for text md4c makes up (U+FFFD for a NUL)
  std::size_t source_size = 0;
  bool code = false;  // inside a code span
};

struct markdown_block {
  enum class kind { heading, table, pipe_line, short_text } what = kind::heading;
  unsigned level = 0;                 // heading
  std::string text;                   // heading, short_text: the rendered text
  std::optional<std::size_t> offset;  // heading, pipe_line, short_text: source of its first text
  bool in_container = false;          // table: inside a list item or a block quote
  bool alignment = false;             // pipe_line: reads as an alignment row, not "|…"
  std::size_t body_rows = 0;          // table
  std::vector<cell_piece> pieces;     // table, in document order
};

struct rendered_report {
  std::vector<markdown_block> blocks;
  bool legacy_approval = false;  // a bullet task item "[x] Approved", outside block quotes
  std::string failure;           // md4c could not read the report; empty when it could
};

class markdown_reader {
 public:
  // `body` is the Markdown part of `report` (after the front matter).
  markdown_reader(std::string_view report, std::size_t body_start)
      : body_(report.substr(body_start)), body_start_(body_start) {}

  rendered_report read() && {
    if (body_.size() > std::numeric_limits<MD_SIZE>::max() / 2) {
      result_.failure = "the report is too large to read as Markdown";
      return std::move(result_);
    }
    MD_PARSER parser{};
    parser.flags = markdown_flags;
    parser.enter_block = &markdown_reader::on_enter_block;
    parser.leave_block = &markdown_reader::on_leave_block;
    parser.enter_span = &markdown_reader::on_enter_span;
    parser.leave_span = &markdown_reader::on_leave_span;
    parser.text = &markdown_reader::on_text;
    const int rc = md_parse(body_.data(), static_cast<MD_SIZE>(body_.size()), &parser, this);
    if (rc != 0 && result_.failure.empty())
      result_.failure = "the report could not be read as Markdown (out of memory)";
    return std::move(result_);
  }

 private:
  struct list_item {
    bool candidate = false;  // a checked task item of a bullet list, not quoted
    std::size_t depth = 0;   // its index in stack_
    std::string text;
    std::optional<std::size_t> offset;
    // Over text_cap bytes, or a link, image or struck-out text in it: neither
    // "Approved" (a struck-out approval is none) nor a title.
    bool long_text = false;
  };

  // Text kept of a paragraph or list item: enough for any title or "Approved".
  static constexpr std::size_t text_cap = 4096;

  // Paragraphs and list items this short (folded) and without a link (a table
  // of contents), image or strikethrough are kept: one may be a title that
  // reads like the section's heading without being one.
  static constexpr std::size_t short_text_bytes = 100;

  void add_short_text(const std::string& text, std::optional<std::size_t> offset) {
    std::string folded = fold(text);
    if (folded.empty() || folded.size() > short_text_bytes) return;
    result_.blocks.emplace_back();
    result_.blocks.back().what = markdown_block::kind::short_text;
    result_.blocks.back().text = std::move(folded);
    result_.blocks.back().offset = offset;
  }

  // md4c is C: no exception may cross it. A failure stops the parse and
  // makes the gate unreadable (docs/plan-validate.md: never a soft pass).
  template <typename F>
  static int guarded(void* self, F&& f) noexcept {
    auto* reader = static_cast<markdown_reader*>(self);
    try {
      f(*reader);
      return 0;
    } catch (...) {
      reader->result_.failure = "the report could not be read as Markdown (out of memory)";
      return 1;
    }
  }
  static int on_enter_block(MD_BLOCKTYPE type, void* detail, void* self) {
    return guarded(self, [&](markdown_reader& r) { r.enter_block(type, detail); });
  }
  static int on_leave_block(MD_BLOCKTYPE type, void*, void* self) {
    return guarded(self, [&](markdown_reader& r) { r.leave_block(type); });
  }
  static int on_enter_span(MD_SPANTYPE type, void*, void* self) {
    if (type == MD_SPAN_CODE) ++static_cast<markdown_reader*>(self)->code_spans_;
    if (type == MD_SPAN_A || type == MD_SPAN_IMG || type == MD_SPAN_DEL)
      ++static_cast<markdown_reader*>(self)->decorated_;
    return 0;
  }
  static int on_leave_span(MD_SPANTYPE type, void*, void* self) {
    if (type == MD_SPAN_CODE) --static_cast<markdown_reader*>(self)->code_spans_;
    if (type == MD_SPAN_A || type == MD_SPAN_IMG || type == MD_SPAN_DEL)
      --static_cast<markdown_reader*>(self)->decorated_;
    return 0;
  }
  static int on_text(MD_TEXTTYPE type, const MD_CHAR* text, MD_SIZE size, void* self) {
    return guarded(self, [&](markdown_reader& r) { r.add_text(type, std::string_view(text, size)); });
  }

  void enter_block(MD_BLOCKTYPE type, void* detail) {
    const MD_BLOCKTYPE parent = stack_.empty() ? MD_BLOCK_DOC : stack_.back();
    stack_.push_back(type);
    switch (type) {
      case MD_BLOCK_QUOTE: ++quotes_, ++containers_; break;
      case MD_BLOCK_LI: {
        ++containers_;
        const auto* li = static_cast<const MD_BLOCK_LI_DETAIL*>(detail);
        const bool checked = li->is_task && (li->task_mark == 'x' || li->task_mark == 'X');
        items_.push_back({checked && parent == MD_BLOCK_UL && quotes_ == 0, stack_.size() - 1, {}, {}, false});
        break;
      }
      case MD_BLOCK_H:
        heading_ = markdown_block{};
        heading_->level = static_cast<const MD_BLOCK_H_DETAIL*>(detail)->level;
        break;
      case MD_BLOCK_CODE:
      case MD_BLOCK_HTML: ++verbatim_; break;
      case MD_BLOCK_P:
        paragraph_.clear();
        paragraph_offset_.reset();
        long_paragraph_ = false;
        if (own_item_text() && !items_.back().long_text) items_.back().text += '\n';
        break;
      case MD_BLOCK_TABLE:
        result_.blocks.emplace_back();
        result_.blocks.back().what = markdown_block::kind::table;
        result_.blocks.back().in_container = containers_ > 0;
        result_.blocks.back().body_rows = static_cast<const MD_BLOCK_TABLE_DETAIL*>(detail)->body_row_count;
        table_ = result_.blocks.size() - 1;
        row_ = no_index;
        break;
      case MD_BLOCK_TR:
        row_ = row_ == no_index ? 0 : row_ + 1;
        column_ = no_index;
        break;
      case MD_BLOCK_TH:
      case MD_BLOCK_TD: column_ = column_ == no_index ? 0 : column_ + 1; break;
      default: break;
    }
  }

  void leave_block(MD_BLOCKTYPE type) {
    switch (type) {
      case MD_BLOCK_QUOTE: --quotes_, --containers_; break;
      case MD_BLOCK_LI:
        --containers_;
        if (!items_.empty()) {
          const list_item& item = items_.back();
          if (!item.long_text && item.candidate && fold(item.text) == "approved") result_.legacy_approval = true;
          if (!item.long_text) add_short_text(item.text, item.offset);
          items_.pop_back();
        }
        break;
      case MD_BLOCK_P:
        finish_line();
        if (table_ == no_index && !long_paragraph_) add_short_text(paragraph_, paragraph_offset_);
        break;
      case MD_BLOCK_H:
        if (heading_) result_.blocks.push_back(std::move(*heading_));
        heading_.reset();
        break;
      case MD_BLOCK_CODE:
      case MD_BLOCK_HTML: --verbatim_; break;
      case MD_BLOCK_TABLE: table_ = no_index; break;
      default: break;
    }
    if (!stack_.empty()) stack_.pop_back();
  }

  // Text directly in the innermost list item (or a paragraph of it), not in a nested block.
  bool own_item_text() const {
    if (items_.empty()) return false;
    const std::size_t depth = items_.back().depth;
    return stack_.size() == depth + 1 || (stack_.size() == depth + 2 && stack_.back() == MD_BLOCK_P);
  }

  std::optional<std::size_t> offset_of(std::string_view text) const {
    const auto at = reinterpret_cast<std::uintptr_t>(text.data());
    const auto begin = reinterpret_cast<std::uintptr_t>(body_.data());
    if (at < begin || at - begin > body_.size() || at - begin + text.size() > body_.size()) return std::nullopt;
    return body_start_ + static_cast<std::size_t>(at - begin);
  }

  void add_text(MD_TEXTTYPE type, std::string_view source) {
    if (verbatim_ > 0 || type == MD_TEXT_HTML) return;  // code blocks and raw HTML are not read
    std::string text;
    switch (type) {
      case MD_TEXT_NULLCHAR: text = "\xEF\xBF\xBD"; break;
      case MD_TEXT_BR:
      case MD_TEXT_SOFTBR: text = "\n"; break;
      case MD_TEXT_ENTITY: text = decode_entity(source); break;
      default: text = std::string(source); break;
    }
    const std::optional<std::size_t> offset = type == MD_TEXT_NULLCHAR ? std::nullopt : offset_of(source);
    if (heading_) {
      if (!heading_->offset && offset) heading_->offset = offset;
      heading_->text += text;
    } else if (table_ != no_index && row_ != no_index && column_ != no_index) {
      result_.blocks[table_].pieces.push_back({row_, column_, std::move(text), offset, source.size(), code_spans_ > 0});
      return;
    } else if (!stack_.empty() && stack_.back() == MD_BLOCK_P) {
      add_paragraph_text(type, text, offset);
      long_paragraph_ = long_paragraph_ || decorated_ > 0 || paragraph_.size() + text.size() > text_cap;
      if (!long_paragraph_) paragraph_ += text;
      if (!paragraph_offset_) paragraph_offset_ = offset;
    }
    if (own_item_text()) {
      list_item& item = items_.back();
      item.long_text = item.long_text || decorated_ > 0 || item.text.size() + text.size() > text_cap;
      if (!item.long_text) item.text += text;
      if (!item.offset) item.offset = offset;
    }
  }

  // Paragraph lines, kept one at a time: one that starts with '|' is a row
  // cut off a table; one that reads as an alignment row ("-|-", which md4c
  // wants as "---|---") is a table to GitHub but not to md4c.
  void add_paragraph_text(MD_TEXTTYPE type, const std::string& text, std::optional<std::size_t> offset) {
    if (type == MD_TEXT_BR || type == MD_TEXT_SOFTBR) return finish_line();
    if (!line_offset_) line_offset_ = offset;
    line_long_ = line_long_ || line_.size() + text.size() > text_cap;
    if (!line_long_) line_ += text;
  }

  void finish_line() {
    const std::string_view visible = trim(line_);
    const bool alignment = line_long_ ? visible.find_first_not_of("-:| \t") == std::string_view::npos
                                      : is_alignment_row(split_table_row(visible));
    if (!visible.empty() && (visible.front() == '|' || alignment)) {
      result_.blocks.emplace_back();
      result_.blocks.back().what = markdown_block::kind::pipe_line;
      result_.blocks.back().offset = line_offset_;
      result_.blocks.back().alignment = visible.front() != '|';
    }
    line_.clear();
    line_offset_.reset();
    line_long_ = false;
  }

  static constexpr std::size_t no_index = static_cast<std::size_t>(-1);

  std::string_view body_;
  std::size_t body_start_ = 0;
  rendered_report result_;
  std::vector<MD_BLOCKTYPE> stack_;
  std::vector<list_item> items_;
  std::optional<markdown_block> heading_;
  int quotes_ = 0, containers_ = 0, verbatim_ = 0, code_spans_ = 0, decorated_ = 0;
  std::size_t table_ = no_index, row_ = no_index, column_ = no_index;
  std::string line_;  // the current paragraph line, up to text_cap bytes
  std::optional<std::size_t> line_offset_;
  bool line_long_ = false;
  std::string paragraph_;  // the current paragraph's text, up to text_cap bytes
  std::optional<std::size_t> paragraph_offset_;
  bool long_paragraph_ = false;
};

// The rendered Markdown of a report whose body starts at byte `body_start`.
inline rendered_report render_markdown(std::string_view report, std::size_t body_start) {
  return markdown_reader(report, body_start).read();
}

}  // namespace okstra::clarification::detail
