# Writes a copy of an SDL file with fields added to one object type, for the test that checks a
# field added to the SDL gets working node filters with no C edit (tests/unit/test_feed_where.c).
# cmake -DIN=schema.graphql -DOUT=copy.graphql -DTYPE=Execution -DFIELDS="a: Int|b: String" -P sdl_add_field.cmake
file(READ ${IN} sdl)
set(head "type ${TYPE} {\n")
string(FIND "${sdl}" "${head}" at)
if(at EQUAL -1)
  message(FATAL_ERROR "sdl_add_field: no `type ${TYPE} {` in ${IN}")
endif()
set(added "")
string(REPLACE "|" ";" fields "${FIELDS}")
foreach(f ${fields})
  string(APPEND added "  \"\"\"Added by the build for a test.\"\"\"\n  ${f}\n")
endforeach()
string(REPLACE "${head}" "${head}${added}" sdl "${sdl}")
file(WRITE ${OUT} "${sdl}")
