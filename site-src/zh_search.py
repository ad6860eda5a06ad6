"""Chinese full-text search for the book: a Sphinx extension (loaded by conf.py).

Two things Sphinx 9.0's own Chinese search gets wrong, both fixed here:

* its ``language_data.js`` ends with ``window.Stemmer = ChineseStemmer``, a class the
  English stemmer it ships never defines, so the search page stops with
  ``ReferenceError: ChineseStemmer is not defined`` (fixed on Sphinx's main branch, not in 9.0.4):
  the stemmer is named after the file it comes from, ``EnglishStemmer``;
* the index is cut into words by jieba, but a query is not cut at all, so
  ``链式法则`` is one term and ``反向传播`` (indexed as ``反向`` and ``传播``) finds
  nothing: the query's Chinese runs are cut here, in the browser, into the longest
  words the index holds (all of them must occur in a page, as for English words).
"""

from __future__ import annotations

from sphinx.search.zh import SearchChinese

SPLIT_QUERY_JS = r"""
var splitQuery = (query) => {
  const words = query
    .split(/[^\p{Letter}\p{Number}_\p{Emoji_Presentation}]+/gu)
    .filter((term) => term);
  const index = typeof Search !== "undefined" ? Search._index : null;
  if (!index) return words;
  const known = (term) =>
    index.terms.hasOwnProperty(term) || index.titleterms.hasOwnProperty(term);
  const out = [];
  for (const word of words) {
    for (const run of word.match(/\p{Script=Han}+|[^\p{Script=Han}]+/gu)) {
      if (!/\p{Script=Han}/u.test(run) || known(run)) {
        out.push(run);
        continue;
      }
      const pieces = [];
      let start = 0;
      while (start < run.length) {
        let end = run.length;
        while (end > start + 1 && !known(run.slice(start, end))) end--;
        pieces.push(run.slice(start, end));
        start = end;
      }
      const longer = pieces.filter((piece) => piece.length > 1);
      out.push(...(longer.length ? longer : pieces));
    }
  }
  return out;
};
"""


class ChineseSearch(SearchChinese):
    """Sphinx's Chinese search with a working stemmer name and a query splitter."""

    language_name = "English"  # window.Stemmer = EnglishStemmer (the file it loads)
    js_splitter_code = SPLIT_QUERY_JS


def setup(app):
    app.add_search_language(ChineseSearch)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
