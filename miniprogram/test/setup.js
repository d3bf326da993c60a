// jest setupFiles: the globals every Mini Program file expects (App/getApp/Page/getCurrentPages;
// Component/Behavior and a fake wx come from miniprogram-simulate).
require('./helpers/page')
