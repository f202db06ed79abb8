"""The Gradio chat app: ``python -m ui``. ``app`` builds the page, ``render`` turns
answers and sources into safe HTML, ``state`` starts the index in the background,
``feedback`` stores thumbs up/down."""
