/* PLACEHOLDER: replaced by the lexer/parser. Keeps the library non-empty. */
int gql_syntax_placeholder(void);
int gql_syntax_placeholder(void) { return 0; }
