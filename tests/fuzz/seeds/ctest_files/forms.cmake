subdirs("lib")
#[[ a
bracket comment ]]
set_tests_properties(a PROPERTIES PASS_REGULAR_EXPRESSION [==[^ok$
]==])
