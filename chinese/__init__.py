"""Chinese text handling shared by documents (ingest) and questions (retriever).

Both sides must be normalised the same way, or a Traditional question will not find a
Simplified passage and jieba will cut a name one way in the question and another in
the passage. Everything that decides how Chinese text is compared lives here.
"""
