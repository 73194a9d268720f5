"""One APIRouter per resource; `app.main` includes them."""
