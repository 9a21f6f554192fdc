# PTR records for every A/AAAA of the world's forward zones that lies in one
# of its reverse zones (tests/world/README.md, "Hooks").  Runs last so that
# addresses added by earlier hooks get their PTR too.
exec "${PYTHON:-python3}" "$WORLD_SRC/gen.py" ptr "$WORLD"
